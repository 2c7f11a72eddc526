package dev.tiered.runtime;

import dev.tiered.runtime.l1.Entry;
import dev.tiered.runtime.l1.Keys;
import dev.tiered.runtime.l1.MethodL1;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.MethodStats;

/**
 * Verify mode ({@code tiered.verify.rate}) for one cached method: a sampled hit runs the method too, on the caller's
 * thread, and the two results are compared here. Thread-safe.
 */
final class Verification {
    private final String method;
    private final String namespace;
    private final MethodStats stats;
    private final MethodL1 l1;
    private final FaultReporter faults;

    Verification(String method, String namespace, MethodStats stats, MethodL1 l1, FaultReporter faults) {
        this.method = method;
        this.namespace = namespace;
        this.stats = stats;
        this.l1 = l1;
        this.faults = faults;
    }

    /**
     * Compares what the method returned with the cached entry it verifies, as {@link SameResult} does: by
     * {@code equals} where the class defines it, else by content. A difference means the cache served a value the
     * method no longer returns: most likely a write without {@code @Invalidates}. It is counted and logged
     * (namespace, method and a hash of the key, never the key), the entry is dropped, and the caller gets the fresh
     * result. Otherwise, if the comparison could not decide, and if the method threw, the caller gets the cached
     * value, as on any hit.
     *
     * @return what the call returns ({@link Entry#NULL} for {@code null})
     */
    Object compare(Object key, Entry cached, Object returned, Throwable thrown) {
        if (thrown != null) {
            return cached.result;
        }
        SameResult.Verdict verdict = SameResult.compare(cached.result == Entry.NULL ? null : cached.result, returned);
        if (verdict == SameResult.Verdict.UNKNOWN) {
            faults.warn("verify-unknown:" + method, "verify: " + method + " in namespace " + namespace + " returned "
                    + "a value too large or too closed to compare with the cached one (over " + SameResult.MAX_NODES
                    + " objects, or fields the JVM does not open); the cached one was kept");
        }
        if (verdict != SameResult.Verdict.DIFFERENT) {
            return cached.result;
        }
        stats.verifyMismatches.increment();
        l1.remove(key, cached);
        faults.warn("verify:" + method, "verify: " + method + " in namespace " + namespace
                + " returned a value that differs from the cached one for key #" + Integer.toHexString(Keys.hash(key))
                + "; a write that changes it may lack @Invalidates (the entry was dropped here)");
        return returned == null ? Entry.NULL : returned;
    }
}
