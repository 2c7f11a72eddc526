package dev.tiered.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Counts stale reads in the records of several JVMs: a read that started after a write of a higher value returned
 * in the same JVM, or more than the propagation window after it returned in another JVM, yet saw a lower value.
 * Values only grow, so "older" is "lower".
 */
public final class StaleReads {
    public record Read(int jvm, String key, long value, long startNanos) {}

    public record Write(int jvm, String key, long value, long endNanos) {}

    public record Result(long reads, int writes, long stale, List<String> examples) {
        @Override
        public String toString() {
            return stale + " stale of " + reads + " reads checked against " + writes + " writes"
                    + (examples.isEmpty() ? "" : ", e.g. " + examples);
        }
    }

    private final List<Read> reads = new ArrayList<>();
    private final List<Write> writes = new ArrayList<>();
    private final List<ReadLog> logs = new ArrayList<>();

    /**
     * One thread's reads of keys {@code 0} to {@code keys - 1} (key {@code k} stands for {@code Integer.toString(k)}),
     * for a load test's millions of reads. Of a run of reads of one key that returned the same value, only the last
     * is kept: the value a read must see only grows with its start, so if the last read of a run is not stale, none
     * of the run is (a stale run counts as one stale read). The log stays small and makes no garbage, so recording
     * does not pause the JVM under test. Written by one thread; checked after that thread ended.
     */
    public static final class ReadLog {
        private final int jvm;
        private final long[] runValue;
        private final long[] runStart;
        private final boolean[] inRun;
        private long[] ended = new long[3 * 1024]; // key, value, start of each ended run
        private int used;
        private long reads;

        private ReadLog(int jvm, int keys) {
            this.jvm = jvm;
            runValue = new long[keys];
            runStart = new long[keys];
            inRun = new boolean[keys];
        }

        public void add(int key, long value, long startNanos) {
            reads++;
            if (inRun[key] && runValue[key] == value) {
                runStart[key] = startNanos;
                return;
            }
            if (inRun[key]) {
                if (used == ended.length) {
                    ended = Arrays.copyOf(ended, 2 * ended.length);
                }
                ended[used++] = key;
                ended[used++] = runValue[key];
                ended[used++] = runStart[key];
            }
            inRun[key] = true;
            runValue[key] = value;
            runStart[key] = startNanos;
        }

        private void forEach(Consumer<Read> action) {
            for (int i = 0; i < used; i += 3) {
                action.accept(new Read(jvm, Long.toString(ended[i]), ended[i + 1], ended[i + 2]));
            }
            for (int key = 0; key < inRun.length; key++) {
                if (inRun[key]) {
                    action.accept(new Read(jvm, Integer.toString(key), runValue[key], runStart[key]));
                }
            }
        }
    }

    /** A new log for one thread's reads, in JVM {@code jvm}, of keys {@code 0} to {@code keys - 1}. */
    public synchronized ReadLog log(int jvm, int keys) {
        ReadLog log = new ReadLog(jvm, keys);
        logs.add(log);
        return log;
    }

    public void read(Path file, int jvm) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(" ");
                if (f[0].equals("R")) {
                    reads.add(new Read(jvm, f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
                } else {
                    writes.add(new Write(jvm, f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void add(Read read) {
        reads.add(read);
    }

    public synchronized void add(Write write) {
        writes.add(write);
    }

    /** Writes of one key, by the time they returned, with the highest value written up to each. */
    private static final class Timeline {
        final long[] ends;
        final long[] highest;

        Timeline(List<Write> writes) {
            writes.sort(Comparator.comparingLong(Write::endNanos));
            ends = new long[writes.size()];
            highest = new long[writes.size()];
            long max = Long.MIN_VALUE;
            for (int i = 0; i < writes.size(); i++) {
                ends[i] = writes.get(i).endNanos();
                max = Math.max(max, writes.get(i).value());
                highest[i] = max;
            }
        }

        /** The highest value written by writes that returned strictly before {@code time}. */
        long highestBefore(long time) {
            int i = Arrays.binarySearch(ends, time);
            int count = i >= 0 ? i : -i - 1;
            while (count > 0 && ends[count - 1] >= time) {
                count--;
            }
            return count == 0 ? Long.MIN_VALUE : highest[count - 1];
        }
    }

    public synchronized Result check(long windowNanos) {
        Map<String, Timeline> all = new HashMap<>();
        Map<String, Timeline> byJvm = new HashMap<>();
        Map<String, List<Write>> grouped = new HashMap<>();
        Map<String, List<Write>> groupedByJvm = new HashMap<>();
        for (Write w : writes) {
            grouped.computeIfAbsent(w.key(), k -> new ArrayList<>()).add(w);
            groupedByJvm.computeIfAbsent(w.jvm() + "/" + w.key(), k -> new ArrayList<>()).add(w);
        }
        grouped.forEach((k, ws) -> all.put(k, new Timeline(ws)));
        groupedByJvm.forEach((k, ws) -> byJvm.put(k, new Timeline(ws)));
        long[] stale = new long[1];
        List<String> examples = new ArrayList<>();
        Consumer<Read> check = r -> {
            long required = Long.MIN_VALUE;
            Timeline same = byJvm.get(r.jvm() + "/" + r.key());
            if (same != null) {
                required = same.highestBefore(r.startNanos());
            }
            Timeline any = all.get(r.key());
            if (any != null) {
                required = Math.max(required, any.highestBefore(r.startNanos() - windowNanos));
            }
            if (r.value() < required) {
                stale[0]++;
                if (examples.size() < 5) {
                    examples.add("jvm " + r.jvm() + " read " + r.key() + " = " + r.value() + " but " + required
                            + " had been written");
                }
            }
        };
        reads.forEach(check);
        logs.forEach(log -> log.forEach(check));
        long logged = logs.stream().mapToLong(log -> log.reads).sum();
        return new Result(reads.size() + logged, writes.size(), stale[0], examples);
    }
}
