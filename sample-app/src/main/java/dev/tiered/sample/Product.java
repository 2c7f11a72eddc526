package dev.tiered.sample;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One product of the catalog. Immutable, so a cached instance can be handed to any number of callers; serializable,
 * so that the tiered agent can share it between instances through Redis.
 *
 * @param price in the catalog's currency, with two decimals
 * @param updatedAt when the price last changed
 */
public record Product(long id, String name, String category, BigDecimal price, Instant updatedAt)
        implements Serializable {

    public Product {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
