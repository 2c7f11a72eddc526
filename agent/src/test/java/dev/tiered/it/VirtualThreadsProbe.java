package dev.tiered.it;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.tiered.Tier;
import dev.tiered.Tiered;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * The application side of the virtual-thread test (JDK 21 or later; compiled for 17, so virtual threads are reached
 * through reflection). Thousands of virtual threads miss one key at once, then hit it, while JFR records every
 * pinned carrier ({@code jdk.VirtualThreadPinned}), every park ({@code jdk.ThreadPark}) and every contended monitor
 * ({@code jdk.JavaMonitorEnter}), all with a zero threshold.
 *
 * <p>Reply: {@code runs=R results=S missPinned=P hitPinned=Q hitBlocked=B}, where R is how many times the body ran,
 * S how many callers received the loaded value, and B how many parks or monitor waits of the hit phase happened in
 * tiered's code or its libraries' during a call of the cached method; or the first of those when B is not 0.
 */
public final class VirtualThreadsProbe {
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final String[] OURS = {"dev.tiered.runtime.", "dev.tiered.agent.", "com.github.benmanes.caffeine.",
            "redis.clients."};

    private VirtualThreadsProbe() {}

    /** A catalogue whose one lookup takes long enough that every virtual thread arrives while it runs. */
    public static final class Catalog {
        @Tiered(ttl = "5m", tier = Tier.L1_L2)
        public String describe(String sku) throws InterruptedException {
            RUNS.incrementAndGet();
            Thread.sleep(500); // a virtual thread unmounts here: its carrier is free for the waiters
            return "described " + sku;
        }
    }

    public static String run(int threads, int hitsPerThread) throws Exception {
        Catalog catalog = new Catalog();
        Path dir = Files.createTempDirectory("virtual-threads");
        List<RecordedEvent> miss;
        int loaded;
        try (Recording recording = recording()) {
            loaded = onVirtualThreads(threads, () -> catalog.describe("sku-1").equals("described sku-1") ? 1 : 0);
            miss = events(recording, dir.resolve("miss.jfr"));
        }
        List<RecordedEvent> hit;
        try (Recording recording = recording()) {
            int hits = onVirtualThreads(threads, () -> {
                int same = 0;
                for (int i = 0; i < hitsPerThread; i++) {
                    same += catalog.describe("sku-1").equals("described sku-1") ? 1 : 0;
                }
                return same == hitsPerThread ? 1 : 0;
            });
            if (hits != threads) {
                return "hit phase: " + hits + " of " + threads + " threads received the cached value every time";
            }
            hit = events(recording, dir.resolve("hit.jfr"));
        }
        List<RecordedEvent> blocked = new ArrayList<>();
        for (RecordedEvent e : hit) {
            if (!e.getEventType().getName().equals("jdk.VirtualThreadPinned") && ours(e)) {
                blocked.add(e);
            }
        }
        if (!blocked.isEmpty()) {
            String first = blocked.get(0).toString().replaceAll("\\s+", " ");
            return "a hit blocked " + blocked.size() + " times, first: " + first;
        }
        return "runs=" + RUNS.get() + " results=" + loaded + " missPinned=" + pinned(ours(miss)) + " hitPinned="
                + pinned(hit) + " hitBlocked=" + blocked.size();
    }

    private interface Task {
        int call() throws Exception;
    }

    /** Runs {@code task} on {@code threads} virtual threads started together; returns the sum of their results. */
    private static int onVirtualThreads(int threads, Task task) throws Exception {
        ExecutorService executor;
        try {
            executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("virtual threads need JDK 21 or later; this is "
                    + Runtime.version(), e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(executor.submit(task::call));
            }
            int sum = 0;
            for (Future<Integer> f : futures) {
                sum += f.get(60, TimeUnit.SECONDS); // a deadlock fails here rather than hanging the test
            }
            return sum;
        } finally {
            executor.shutdownNow();
        }
    }

    private static Recording recording() {
        Recording recording = new Recording();
        for (String event : new String[] {"jdk.VirtualThreadPinned", "jdk.ThreadPark", "jdk.JavaMonitorEnter"}) {
            recording.enable(event).withThreshold(Duration.ZERO).withStackTrace();
        }
        recording.start();
        return recording;
    }

    private static List<RecordedEvent> events(Recording recording, Path file) throws IOException {
        recording.stop();
        recording.dump(file);
        return RecordingFile.readAllEvents(file);
    }

    /**
     * The events that happened in tiered's code during a call. Left out: the JVM resolving the application's own
     * constant pool the first time its rewritten method runs (the advice names the bridge), which calls the
     * application's class loader from native code, so that the threads that wait for that one resolution pin
     * their carriers once, as they would for any class the method names.
     */
    private static List<RecordedEvent> ours(List<RecordedEvent> events) {
        return events.stream().filter(VirtualThreadsProbe::ours).toList();
    }

    private static long pinned(List<RecordedEvent> events) {
        Set<String> seen = new HashSet<>();
        long count = 0;
        for (RecordedEvent e : events) {
            if (e.getEventType().getName().equals("jdk.VirtualThreadPinned")) {
                count++;
                seen.add(String.valueOf(e.getStackTrace()));
            }
        }
        if (count > 0) {
            System.err.println("pinned carriers: " + seen);
        }
        return count;
    }

    /** Whether {@code e} happened in tiered's code (or its libraries') during a call of the cached method. */
    private static boolean ours(RecordedEvent e) {
        if (e.getStackTrace() == null) {
            return false;
        }
        boolean inTiered = false;
        boolean inCall = false;
        for (RecordedFrame frame : e.getStackTrace().getFrames()) {
            String type = frame.getMethod().getType().getName();
            inCall |= type.equals(Catalog.class.getName());
            for (String prefix : OURS) {
                inTiered |= type.startsWith(prefix);
            }
        }
        return inCall && inTiered;
    }
}
