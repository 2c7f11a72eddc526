package dev.tiered.bench;

import java.io.Serializable;
import java.math.BigDecimal;

/** What the benchmarked methods return: a small value object, as a repository would. */
public record Product(long id, String name, BigDecimal price) implements Serializable {}
