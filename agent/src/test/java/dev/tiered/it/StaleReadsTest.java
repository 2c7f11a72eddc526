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
}
