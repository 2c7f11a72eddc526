package dev.tiered;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Caches the results of the annotated method, in this JVM (L1) and/or in Redis (L2), keyed by the method and the
 * values of its arguments.
 *
 * <p>This annotation does nothing by itself. When the JVM runs with {@code -javaagent:tiered-agent.jar}, the agent
 * rewrites the method's bytecode as its class loads; without the agent the method runs exactly as written. Because
 * the method itself is rewritten (no proxy), calls from the same class, and private, static and final methods are
 * cached like any other.
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li><b>Key.</b> An entry belongs to one method and one combination of argument values. L1 compares arguments
 *       with {@code equals} (arrays by content). L2 encodes them into the Redis key; for {@link Tier#L2} and
 *       {@link Tier#L1_L2} every parameter must have a stable encoding: primitives and their boxes, {@code String},
 *       enums, {@code UUID}, {@code BigDecimal}, {@code BigInteger}, the {@code java.time} value types, and arrays,
 *       {@code List}s and records of these. A method with another parameter type is reported when its class loads
 *       and runs uncached; it can still use {@link Tier#L1}.</li>
 *   <li><b>Read path.</b> L1, then L2, then the method. An L2 hit fills L1. Concurrent callers that miss the same
 *       key in one JVM run the method once; the others receive its result.</li>
 *   <li><b>Results.</b> Any return type, primitive, array or reference, except {@code void}. A {@code null} result
 *       is cached like any other unless the property {@code tiered.cacheNulls} (or
 *       {@code tiered.ns.<namespace>.cacheNulls}) is {@code false}. An exception is never cached: it propagates
 *       unchanged to the caller, and the next call runs the method again. L2 stores results with Java serialization
 *       restricted to the classes reachable from the declared return type, so a result must be
 *       {@link java.io.Serializable} (or an {@code Optional} of one) to reach L2.</li>
 *   <li><b>Lifetime.</b> An entry lives at most {@link #ttl()} from the moment its value was computed, in both tiers.
 *       In L1 it lives at most {@link #l1Ttl()} when that is set.</li>
 *   <li><b>Invalidation.</b> Entries are grouped by {@link #namespace()}. When an {@link Invalidates} method naming
 *       that namespace returns normally, its entries become unreachable: at once in the JVM that ran the write,
 *       within the propagation window (one Redis pub/sub message) in the others. A write with a {@link CacheKey}
 *       reaches only the entries of that entity, identified by this method's {@link CacheKey} parameter, and the
 *       entries of methods without one; a write without reaches the whole namespace.</li>
 * </ul>
 *
 * <p>Where the annotation is not valid (a {@code void}, abstract or native method, a malformed {@code ttl}, a
 * parameter with no stable L2 encoding), the agent logs one line naming the method, the problem and the accepted
 * form, and the method runs uncached. The application always starts.
 *
 * <p>Every attribute can be overridden per namespace at start-up with {@code tiered.ns.<namespace>.*} system
 * properties or environment variables (see the README).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Tiered {

    /**
     * How long an entry lives after its value was computed, in both tiers. Required.
     *
     * <p>Accepted forms: a positive whole number followed by a unit, {@code ms}, {@code s}, {@code m}, {@code h} or
     * {@code d} (for example {@code "500ms"}, {@code "30s"}, {@code "10m"}, {@code "2h"}, {@code "1d"}), or an
     * ISO-8601 duration such as {@code "PT10M"}.
     */
    String ttl();

    /** Which tiers hold the results; {@link Tier#L1_L2} unless set. */
    Tier tier() default Tier.L1_L2;

    /**
     * The group of entries that an {@link Invalidates} method invalidates together. Empty (the default) means the
     * fully qualified binary name of the declaring class, for example {@code "com.acme.ProductRepository"}.
     * A namespace consists of letters, digits and {@code . _ - $}.
     */
    String namespace() default "";

    /**
     * A shorter lifetime for the L1 copy of an entry, in the same form as {@link #ttl()}; it must not exceed
     * {@code ttl}. Empty (the default) means the same as {@code ttl}. A short L1 lifetime bounds how long a JVM can
     * serve a value from its own memory even if it misses an invalidation.
     */
    String l1Ttl() default "";
}
