package dev.tiered.bench;

import java.math.BigDecimal;

import dev.tiered.CacheKey;
import dev.tiered.Tier;
import dev.tiered.Tiered;

/**
 * The methods the benchmarks cache through the agent. Their bodies are cheap on purpose: what is measured is the
 * cost of serving a call, not of computing it.
 */
public class Catalog {
    static final Product PRODUCT = new Product(42, "widget", new BigDecimal("9.99"));

    /** The method as written, without any cache: the "direct" baseline. */
    public Product compute(String sku) {
        return PRODUCT;
    }

    /** The body of {@link #load(long)}, for the baseline that caches by hand. */
    public Product compute(long id) {
        return new Product(id, "widget", PRODUCT.price());
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "bench")
    public Product find(@CacheKey String sku) {
        return PRODUCT;
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "bench")
    public Product featured() {
        return PRODUCT;
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "bench")
    public Product byId(@CacheKey long id) {
        return PRODUCT;
    }

    @Tiered(ttl = "10m", tier = Tier.L1, namespace = "bench")
    public Product variant(@CacheKey String sku, String color, String size) {
        return PRODUCT;
    }

    /** Case 3: Redis only, so that every call is an L2 hit. */
    @Tiered(ttl = "10m", tier = Tier.L2, namespace = "bench-l2")
    public Product fromRedis(String sku) {
        return PRODUCT;
    }

    /** Case 4: called with a new id each time, so that every call misses both tiers. */
    @Tiered(ttl = "1m", tier = Tier.L1_L2, namespace = "bench-miss")
    public Product load(long id) {
        return compute(id);
    }
}
