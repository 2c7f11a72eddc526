package dev.tiered;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Invalidates the named namespaces when the annotated method returns normally.
 *
 * <p>With the agent, the method's return bumps the version of each namespace: in Redis (an atomic {@code INCR}
 * followed by a pub/sub message to every JVM connected to the same Redis) and in this JVM. When one parameter is
 * annotated {@link CacheKey}, the write is keyed: it bumps the version of that entity only, and so invalidates the
 * entries of that entity and of the namespace's methods that have no entity key (see {@link CacheKey} for exactly
 * which). Entries are stored under the versions that were current when their value started to be computed, so
 * after the bump:
 * <ul>
 *   <li>in this JVM, no result computed before the bump is served once the method has returned;</li>
 *   <li>in other JVMs, old results stop being served within the propagation window (the delivery of one Redis
 *       pub/sub message);</li>
 *   <li>old L2 entries are unreachable at once and expire by their TTL: nothing is scanned or deleted in Redis.</li>
 * </ul>
 * A computation that began before the bump and finished after it is never stored as current.
 *
 * <p>If the method throws, nothing is invalidated and the exception propagates unchanged. If Redis cannot be
 * reached, this JVM invalidates at once and the bump is sent to Redis as soon as it is reachable again.
 *
 * <p>Annotate the method whose return means the write is durable: if the write is committed later (for example by
 * an enclosing transaction), a reader may load the old data between the bump and the commit and cache it.
 *
 * <p>Without the agent this annotation does nothing.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Invalidates {

    /**
     * The namespaces to invalidate (see {@link Tiered#namespace()}). Empty (the default) means the declaring class's
     * default namespace, its fully qualified binary name.
     */
    String[] value() default {};
}
