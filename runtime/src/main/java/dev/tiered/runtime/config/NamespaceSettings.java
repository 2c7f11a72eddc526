package dev.tiered.runtime.config;

import java.time.Duration;

import dev.tiered.Tier;

/**
 * Start-up overrides for one namespace ({@code tiered.ns.<namespace>.*}); a {@code null} component is not
 * overridden and the annotation (or the global property) applies.
 */
public record NamespaceSettings(
        Duration ttl,
        Duration l1Ttl,
        Tier tier,
        Boolean enabled,
        Boolean cacheNulls,
        Long l1MaxEntries,
        Long l1MaxBytes,
        Double verifyRate,
        L2Encoding codec,
        Long l1BudgetFloor,
        Long l1BudgetCap,
        Double targetHitRatio,
        Duration targetLoadTime) {

    public static final NamespaceSettings NONE = new NamespaceSettings(null, null, null, null, null, null, null,
            null, null, null, null, null, null);

    /** This, with every component that is {@code null} here taken from {@code fallback}. */
    NamespaceSettings orElse(NamespaceSettings fallback) {
        return new NamespaceSettings(
                ttl != null ? ttl : fallback.ttl,
                l1Ttl != null ? l1Ttl : fallback.l1Ttl,
                tier != null ? tier : fallback.tier,
                enabled != null ? enabled : fallback.enabled,
                cacheNulls != null ? cacheNulls : fallback.cacheNulls,
                l1MaxEntries != null ? l1MaxEntries : fallback.l1MaxEntries,
                l1MaxBytes != null ? l1MaxBytes : fallback.l1MaxBytes,
                verifyRate != null ? verifyRate : fallback.verifyRate,
                codec != null ? codec : fallback.codec,
                l1BudgetFloor != null ? l1BudgetFloor : fallback.l1BudgetFloor,
                l1BudgetCap != null ? l1BudgetCap : fallback.l1BudgetCap,
                targetHitRatio != null ? targetHitRatio : fallback.targetHitRatio,
                targetLoadTime != null ? targetLoadTime : fallback.targetLoadTime);
    }
}
