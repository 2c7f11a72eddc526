package dev.tiered.runtime.observe;

/**
 * One cached method in JMX, as {@code dev.tiered:type=Method,namespace=<namespace>,name="<method>"}: the counters
 * of its calls alone, to tell which method of a namespace misses, loads slowly or fails verification. Read only:
 * the namespace's MBean steers.
 */
public interface MethodMXBean extends CallMetrics {
    /** The method, as in log lines: class, name and parameter types. */
    String getName();

    String getNamespace();

    /** The tiers its calls use now: {@code L1}, {@code L2} or {@code L1_L2}. */
    String getTier();

    /** The lifetime of its entries now, as a duration ({@code 5m}). */
    String getTtl();

    /** The lifetime of its L1 copies now. */
    String getL1Ttl();
}
