package dev.tiered;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameter that identifies the entity a method reads or writes, so that a write invalidates only that
 * entity's entries instead of its whole namespace. The same convention as JSR-107's and Quarkus'
 * {@code @CacheKey}: an annotation on a parameter, no key strings, no expression language.
 *
 * <pre>
 * &#64;Tiered(ttl = "10m", namespace = "product")
 * Product find(&#64;CacheKey long id) { ... }
 *
 * &#64;Tiered(ttl = "10m", namespace = "product")
 * Product findWithReviews(&#64;CacheKey long id, boolean includeHidden) { ... }
 *
 * &#64;Tiered(ttl = "1m", namespace = "product")
 * List&lt;Product&gt; findByCategory(String category) { ... }   // no entity: spans many products
 *
 * &#64;Invalidates("product")
 * void updatePrice(&#64;CacheKey long id, BigDecimal price) { ... }
 * </pre>
 *
 * <h2>Which entries a keyed write reaches</h2>
 * When {@code updatePrice(42, ...)} returns, in every JVM:
 * <ul>
 *   <li>every entry whose entity key is 42, whatever its other arguments: {@code find(42)},
 *       {@code findWithReviews(42, true)} and {@code findWithReviews(42, false)};</li>
 *   <li>every entry of the namespace's methods that have no {@code @CacheKey} parameter, such as
 *       {@code findByCategory}: their results may hold any entity, so every write to the namespace invalidates
 *       them;</li>
 *   <li>and nothing else: {@code find(7)} stays cached.</li>
 * </ul>
 * Entity keys are compared by their L2 encoding, so a {@code long} 42 and an {@code Integer} 42 are the same entity,
 * and a {@code String "42"} is another. When the annotated parameter of an {@link Invalidates} method is a
 * {@code Collection} or an array, each element is an entity key. An {@link Invalidates} method without a
 * {@code @CacheKey} parameter invalidates its whole namespaces.
 *
 * <p>At most one parameter of a method may carry it, and its type must have an L2 key encoding (see
 * {@link Tiered}), for an {@link Invalidates} method also a {@code Collection} or an array of such. Elsewhere it has
 * no effect.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface CacheKey {}
