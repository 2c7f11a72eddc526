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

    @Test
    void moreLiveThreadsThanSlotsShareCountsAndEndedThreadsGiveTheirSlotsBack() throws Exception {
        HitCounter counter = new HitCounter();
        int threads = HitCounter.SLOTS + 300; // some must find their slot taken by a live thread
        for (int round = 1; round <= 2; round++) { // the second round takes the slots the first one's threads left
            java.util.concurrent.CountDownLatch counted = new java.util.concurrent.CountDownLatch(threads);
            java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    for (int i = 0; i < 100; i++) {
                        counter.increment(5);
                    }
                    counted.countDown();
                    try {
                        end.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                workers.add(worker);
                worker.start();
            }
            counted.await();
            assertEquals(round * threads * 100L, counter.sum(5), "all alive, some sharing");
            end.countDown();
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(round * threads * 100L, counter.sum(5), "all ended and retired");
        }
    }
}
