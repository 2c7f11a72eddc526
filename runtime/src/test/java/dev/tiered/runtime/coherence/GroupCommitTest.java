package dev.tiered.runtime.coherence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.tiered.testkit.Await;

class GroupCommitTest {
    /**
     * While one action runs, four more callers arrive: they wait, and one action then runs for all four with
     * everything they brought; none returns before the action that covers it has completed.
     */
    @Test
    void callersThatArriveWhileAnActionRunsShareTheNextOne() throws Exception {
        GroupCommit<String> commit = new GroupCommit<>();
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Set<String> returned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Consumer<List<String>> action = batch -> {
            batches.add(List.copyOf(batch));
            if (batches.size() == 1) {
                firstRunning.countDown();
                await(release);
            }
        };
        Thread first = new Thread(() -> {
            commit.run("a", action);
            returned.add("a");
        });
        first.start();
        assertEquals(true, firstRunning.await(10, TimeUnit.SECONDS));
        List<Thread> later = new ArrayList<>();
        for (String item : List.of("b", "c", "d", "e")) {
            Thread t = new Thread(() -> {
                commit.run(item, action);
                returned.add(item);
            });
            later.add(t);
            t.start();
        }
        Await.until("the four callers to wait", Duration.ofSeconds(10),
                () -> later.stream().allMatch(t -> t.getState() == Thread.State.WAITING));
        assertEquals(Set.of(), returned, "nobody returns while the action that could cover them has not run");
        release.countDown();
        first.join();
        for (Thread t : later) {
            t.join();
        }
        assertEquals(2, batches.size(), batches.toString());
        assertEquals(List.of("a"), batches.get(0));
        assertEquals(Set.of("b", "c", "d", "e"), new HashSet<>(batches.get(1)));
        assertEquals(Set.of("a", "b", "c", "d", "e"), returned);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
