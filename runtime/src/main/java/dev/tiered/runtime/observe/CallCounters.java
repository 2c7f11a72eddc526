package dev.tiered.runtime.observe;

import dev.tiered.runtime.stats.NamespaceStats;

/** The counters shared by a namespace and a method, from a snapshot taken when an attribute is read. */
abstract class CallCounters implements CallMetrics {
    abstract NamespaceStats s();

    @Override
    public long getCalls() {
        return s().calls();
    }

    @Override
    public long getL1Hits() {
        return s().l1Hits();
    }

    @Override
    public long getL2Hits() {
        return s().l2Hits();
    }

    @Override
    public long getCoalesced() {
        return s().coalesced();
    }

    @Override
    public long getMisses() {
        return s().misses();
    }

    @Override
    public long getLoads() {
        return s().loads();
    }

    @Override
    public long getLoadFailures() {
        return s().loadFailures();
    }

    @Override
    public long getUncached() {
        return s().uncached();
    }

    @Override
    public double getAverageLoadMillis() {
        NamespaceStats s = s();
        long n = s.loads() + s.loadFailures();
        return n == 0 ? 0 : s.loadNanos() / 1e6 / n;
    }

    @Override
    public long getL2Errors() {
        return s().l2Errors();
    }

    @Override
    public long getDecodeFailures() {
        return s().decodeFailures();
    }

    @Override
    public long getNotStored() {
        return s().notStored();
    }

    @Override
    public long getFaults() {
        return s().faults();
    }

    @Override
    public long getL1Entries() {
        return s().l1Entries();
    }

    @Override
    public long getL1MaxEntries() {
        return s().l1MaxEntries();
    }

    @Override
    public long getL1EstimatedBytes() {
        return s().l1EstimatedBytes();
    }

    @Override
    public long getRefreshes() {
        return s().refreshes();
    }

    @Override
    public long getLeaseWaits() {
        return s().leaseWaits();
    }

    @Override
    public long getStaleServed() {
        return s().staleServed();
    }

    @Override
    public long getEvictedBySize() {
        return s().evictedBySize();
    }

    @Override
    public long getL2Timeouts() {
        return s().l2Timeouts();
    }

    @Override
    public long getExpired() {
        return s().expired();
    }

    @Override
    public long getStaleDrops() {
        return s().staleDrops();
    }

    @Override
    public double getL2MillisP50() {
        return s().l2P50Nanos() / 1e6;
    }

    @Override
    public double getL2MillisP99() {
        return s().l2P99Nanos() / 1e6;
    }

    @Override
    public double getL2MillisMax() {
        return s().l2MaxNanos() / 1e6;
    }

    @Override
    public long getVerified() {
        return s().verified();
    }

    @Override
    public long getVerifyMismatches() {
        return s().verifyMismatches();
    }

    @Override
    public double getLoadMillisP50() {
        return s().loadP50Nanos() / 1e6;
    }

    @Override
    public double getLoadMillisP99() {
        return s().loadP99Nanos() / 1e6;
    }

    @Override
    public double getLoadMillisMax() {
        return s().loadMaxNanos() / 1e6;
    }
}
