package dev.tiered.runtime.l1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

class EntityIndexTest {
    private static Set<Object> removed(EntityIndex index, String entity) {
        Set<Object> keys = new HashSet<>();
        index.remove(entity, keys::add);
        return keys;
    }

    @Test
    void anEntityWithOneKeyAndOneWithSeveralGiveBackExactlyTheirKeys() {
        EntityIndex index = new EntityIndex();
        index.add("7", 7L);
        index.add("7", 7L); // the same key again: still one
        index.add("8", "a");
        index.add("8", "b");
        index.add("8", "c");
        assertEquals(Set.of(7L), removed(index, "7"));
        assertEquals(Set.of("a", "b", "c"), removed(index, "8"));
        assertEquals(Set.of(), removed(index, "9"));
        assertEquals(0, index.entities());
    }

    @Test
    void forgettingKeysDropsAnEntityWithNoneLeft() {
        EntityIndex index = new EntityIndex();
        index.add("1", "x");
        index.add("2", "y");
        index.add("2", "z");
        index.remove("1", "other");
        index.remove("2", "y");
        assertEquals(2, index.entities());
        index.remove("1", "x");
        index.remove("2", "z");
        assertEquals(0, index.entities());

        index.add("3", "p");
        index.add("4", "q");
        index.add("4", "r");
        index.retain(key -> key.equals("r"));
        assertEquals(1, index.entities());
        assertEquals(Set.of("r"), removed(index, "4"));
    }

    /**
     * Writers add keys while invalidators remove entities: every key added is either handed to an invalidation or
     * still indexed at the end, never lost (a lost key is an L1 entry that its entity's invalidation would miss).
     */
    @Test
    void underConcurrentAddsAndRemovalsNoKeyIsLost() throws Exception {
        EntityIndex index = new EntityIndex();
        Set<Object> added = ConcurrentHashMap.newKeySet();
        Set<Object> handedBack = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int writer = w;
            threads.add(new Thread(() -> {
                await(start);
                for (int i = 0; i < 200_000; i++) {
                    String entity = Integer.toString(ThreadLocalRandom.current().nextInt(16));
                    String key = writer + ":" + i;
                    added.add(key);
                    index.add(entity, key);
                }
            }));
        }
        Thread invalidator = new Thread(() -> {
            await(start);
            while (running.get()) {
                index.remove(Integer.toString(ThreadLocalRandom.current().nextInt(16)), handedBack::add);
            }
        });
        threads.forEach(Thread::start);
        invalidator.start();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        running.set(false);
        invalidator.join();
        for (int e = 0; e < 16; e++) {
            index.remove(Integer.toString(e), handedBack::add);
        }
        assertEquals(added.size(), handedBack.size());
        assertTrue(handedBack.containsAll(added));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
