package dev.tiered.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import org.junit.jupiter.api.Test;

class HitCounterTest {

    @Test
    void countsFromManyThreadsAreNeitherLostNorCountedTwiceAndOutliveTheirThreads() throws Exception {
        HitCounter counter = new HitCounter();
        int threads = 8;
        int perThread = 200_000;
        CyclicBarrier together = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int method = t % 3;
            Thread worker = new Thread(() -> {
                try {
                    together.await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < perThread; i++) {
                    counter.increment(method);
                    counter.increment(40); // beyond the first cells: they grow
                }
            });
            workers.add(worker);
            worker.start();
        }
        long midway = counter.sum(40); // while they run: whatever it is, never more than the final count
        for (Thread w : workers) {
            w.join();
        }
        long total = (long) threads * perThread;
        assertEquals(total, counter.sum(40));
        assertEquals(3L * perThread, counter.sum(0));
        assertEquals(3L * perThread, counter.sum(1));
        assertEquals(2L * perThread, counter.sum(2));
        assertEquals(total, counter.sum(40), "ended threads were retired exactly once");
        assertEquals(0, counter.sum(7));
        org.junit.jupiter.api.Assertions.assertTrue(midway <= total);
    }
}
