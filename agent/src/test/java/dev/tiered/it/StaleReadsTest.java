package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.tiered.testkit.StaleReads;

/** The checker itself: it must find the stale reads it exists to find, and only those. */
class StaleReadsTest {
    private static final long MS = 1_000_000;

    @Test
    void aReadInTheWritingJvmAfterTheWriteReturnedMustSeeIt() {
        StaleReads s = new StaleReads();
        s.add(new StaleReads.Write(0, "account-1", 5, 100 * MS));
        s.add(new StaleReads.Read(0, "account-1", 4, 99 * MS)); // began before the write returned: fine
        s.add(new StaleReads.Read(0, "account-1", 5, 101 * MS));
        s.add(new StaleReads.Read(0, "account-1", 4, 101 * MS)); // stale
        assertEquals(1, s.check(50 * MS).stale());
    }

    @Test
    void anotherJvmHasThePropagationWindow() {
        StaleReads s = new StaleReads();
        s.add(new StaleReads.Write(0, "total", 10, 100 * MS));
        s.add(new StaleReads.Read(1, "total", 9, 140 * MS)); // within the window
        s.add(new StaleReads.Read(1, "total", 9, 160 * MS)); // after it: stale
        s.add(new StaleReads.Read(1, "total", 11, 160 * MS)); // a later write's value: fine
        s.add(new StaleReads.Read(1, "account-1", 0, 500 * MS)); // another key: unaffected
        StaleReads.Result r = s.check(50 * MS);
        assertEquals(1, r.stale(), r.toString());
    }

    @Test
    void theHighestValueWrittenSoFarIsWhatCounts() {
        StaleReads s = new StaleReads();
        s.add(new StaleReads.Write(1, "account-2", 7, 100 * MS));
        s.add(new StaleReads.Write(0, "account-2", 6, 110 * MS)); // returned later, but older
        s.add(new StaleReads.Read(0, "account-2", 6, 120 * MS)); // jvm 0 may not know of 7 yet
        s.add(new StaleReads.Read(0, "account-2", 6, 300 * MS)); // now it must
        assertEquals(1, s.check(50 * MS).stale());
    }

    @Test
    void aLogKeepsTheLastReadOfEachRunAndFindsTheSameStaleReads() {
        StaleReads s = new StaleReads();
        s.add(new StaleReads.Write(0, "1", 5, 100 * MS));
        s.add(new StaleReads.Write(0, "2", 3, 100 * MS));
        StaleReads.ReadLog log = s.log(0, 3);
        log.add(1, 4, 90 * MS); // a run of 4s: fine until the write of 5 returned ...
        log.add(1, 4, 99 * MS);
        log.add(1, 4, 101 * MS); // ... then stale: the run counts once
        log.add(1, 5, 102 * MS);
        log.add(1, 4, 103 * MS); // a new run of 4s, stale
        log.add(1, 5, 104 * MS);
        log.add(2, 3, 110 * MS); // another key: fine
        log.add(0, 0, 500 * MS); // never written: fine
        StaleReads.Result r = s.check(50 * MS);
        assertEquals(2, r.stale(), r.toString());
        assertEquals(8, r.reads(), r.toString());
    }

    @Test
    void aRunOfFreshReadsIsNotStale() {
        StaleReads s = new StaleReads();
        s.add(new StaleReads.Write(0, "0", 1, 100 * MS));
        StaleReads.ReadLog log = s.log(1, 1);
        for (long t = 0; t < 140; t++) {
            log.add(0, 0, t * MS); // another JVM: the old value is fine within the 50 ms window
        }
        log.add(0, 1, 141 * MS);
        assertEquals(0, s.check(50 * MS).stale());
    }
}
