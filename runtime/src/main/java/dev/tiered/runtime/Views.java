package dev.tiered.runtime;

/** The runtime and its namespaces as JMX MXBeans: live views, computed when an attribute is read. */
final class Views {
    private Views() {}

    static final class Runtime implements TieredMXBean {
        private final TieredRuntime runtime;

        Runtime(TieredRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public String getRedis() {
            return runtime.config().redis() == null ? "none" : runtime.config().redis().toString();
        }

        @Override
        public boolean isBusConnected() {
            return runtime.busConnected();
        }

        @Override
        public boolean isCutOff() {
            return runtime.cutOff();
        }

        @Override
        public long getReportedProblems() {
            return runtime.reportedProblems();
        }

        @Override
        public String[] getNamespaces() {
            return runtime.namespaces().toArray(new String[0]);
        }

        @Override
        public String getL2Circuit() {
            CircuitBreaker breaker = runtime.breaker();
            return breaker == null ? "none" : breaker.isOpen() ? "open" : "closed";
        }

        @Override
        public long getL2CircuitOpenings() {
            CircuitBreaker breaker = runtime.breaker();
            return breaker == null ? 0 : breaker.openings.sum();
        }

        @Override
        public long getL2CallsSkipped() {
            CircuitBreaker breaker = runtime.breaker();
            return breaker == null ? 0 : breaker.skipped.sum();
        }
    }

    /** The counters shared by a namespace and a method, from a snapshot taken when an attribute is read. */
    abstract static class Calls implements CallMetrics {
        abstract NamespaceStats s();

        @Override
        public long getRequests() {
            return s().requests();
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

    static final class Namespace extends Calls implements NamespaceMXBean {
        private final dev.tiered.runtime.Namespace ns;

        private final TieredRuntime runtime;

        Namespace(TieredRuntime runtime, dev.tiered.runtime.Namespace ns) {
            this.runtime = runtime;
            this.ns = ns;
        }

        @Override
        public void setEnabled(boolean enabled) {
            runtime.enabled(ns, enabled);
        }

        @Override
        public void flush() {
            runtime.flush(ns);
        }

        @Override
        public void changeTtl(String ttl) {
            runtime.lifetimes(ns, "ttl", ttl, false);
        }

        @Override
        public void changeL1Ttl(String l1Ttl) {
            runtime.lifetimes(ns, "l1Ttl", l1Ttl, true);
        }

        @Override
        public void changeTier(String tier) {
            runtime.tier(ns, tier);
        }

        @Override
        public void resetCounters() {
            runtime.resetCounters(ns);
        }

        @Override
        NamespaceStats s() {
            return TieredRuntime.snapshot(ns);
        }

        @Override
        public String getName() {
            return ns.name;
        }

        @Override
        public long getVersion() {
            return ns.version();
        }

        @Override
        public boolean isEnabled() {
            return ns.enabled();
        }

        @Override
        public String[] getMethods() {
            return ns.methods.stream().map(CachedMethod::toString).toArray(String[]::new);
        }

        @Override
        public long getInvalidationsSent() {
            return s().invalidationsSent();
        }

        @Override
        public long getInvalidationsReceived() {
            return s().invalidationsReceived();
        }

        @Override
        public double getPropagationLagMillisP50() {
            return ns.propagationLag.quantile(0.5) / 1000.0;
        }

        @Override
        public double getPropagationLagMillisP99() {
            return ns.propagationLag.quantile(0.99) / 1000.0;
        }

        @Override
        public double getPropagationLagMillisMax() {
            return ns.propagationLag.quantile(1) / 1000.0;
        }
    }

    /** One cached method: {@code dev.tiered:type=Method,namespace=<namespace>,name="<method>"}. */
    static final class Method extends Calls implements MethodMXBean {
        private final CachedMethod method;

        Method(CachedMethod method) {
            this.method = method;
        }

        static String objectName(CachedMethod method) {
            return "dev.tiered:type=Method,namespace=" + method.namespace.name + ",name="
                    + javax.management.ObjectName.quote(method.name);
        }

        @Override
        NamespaceStats s() {
            return TieredRuntime.snapshot(method);
        }

        @Override
        public String getName() {
            return method.name;
        }

        @Override
        public String getNamespace() {
            return method.namespace.name;
        }

        @Override
        public String getTier() {
            return method.tier.name();
        }

        @Override
        public String getTtl() {
            return Durations.format(method.ttl);
        }

        @Override
        public String getL1Ttl() {
            return Durations.format(method.l1Ttl);
        }
    }
}
