package dev.tiered.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;

import dev.tiered.Tier;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * What an operator may change in a running engine, one namespace at a time, for this JVM (a flush reaches every
 * JVM, as a write does): the views in JMX call these. Each validates its argument like a start-up property, throws
 * {@link IllegalArgumentException} with one line naming what was wrong and the accepted form (changing nothing),
 * and logs the change once. Thread-safe.
 */
public final class Operations {
    private static final Logger LOG = FaultReporter.LOG;

    private final Versions versions;

    Operations(Versions versions) {
        this.versions = versions;
    }

    /** Invalidates every entry of the namespace, in every JVM and both tiers. */
    public void flush(Namespace ns) {
        versions.bump(ns);
        LOG.info("namespace {} flushed through JMX: every JVM's entries of it are invalid from now on", ns.name);
    }

    /** Enables or disables caching of the namespace; disabled, its L1 entries are dropped. */
    public void enabled(Namespace ns, boolean enabled) {
        if (ns.enabled() == enabled) {
            return;
        }
        ns.enabled(enabled);
        if (!enabled) {
            ns.clearL1(); // re-enabled, it starts afresh rather than trust old entries
        }
        LOG.info("namespace {} {} through JMX", ns.name, enabled ? "enabled" : "disabled: its methods run uncached");
    }

    /**
     * Sets {@code ttl} (or, with {@code l1Only}, {@code l1Ttl}) of the namespace's methods, for entries stored from
     * now on.
     */
    public void lifetimes(Namespace ns, String what, String value, boolean l1Only) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("namespace " + ns.name + ": " + what + " \"" + value
                    + "\" is malformed; accepted: " + Durations.ACCEPTED_FORM + ". Nothing was changed.");
        }
        for (CachedMethod m : Snapshots.methods(ns)) {
            m.lifetimes(l1Only ? m.ttl() : d, l1Only ? d : m.l1Ttl());
        }
        LOG.info("namespace {}: {} set to {} through JMX, for entries stored from now on{}", ns.name, what,
                Durations.format(d), l1Only ? " (at most each method's ttl)" : " (l1Ttl cut to it where longer)");
    }

    /** Sets the tier of the namespace's methods: {@code L1}, {@code L2} or {@code L1_L2}. */
    public void tier(Namespace ns, String value) {
        Tier tier;
        try {
            tier = Tier.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("namespace " + ns.name + ": tier \"" + value + "\" is malformed; "
                    + "accepted: L1, L2 or L1_L2. Nothing was changed.");
        }
        List<CachedMethod> methods = Snapshots.methods(ns);
        if (tier != Tier.L1) {
            for (CachedMethod m : methods) {
                if (!m.l2Capable()) {
                    throw new IllegalArgumentException("namespace " + ns.name + ": tier " + tier + " is refused: "
                            + m.name() + " has a parameter with no stable L2 key encoding; accepted: L1. Nothing "
                            + "was changed.");
                }
            }
        }
        methods.forEach(m -> m.tier(tier));
        LOG.info("namespace {}: tier set to {} through JMX{}", ns.name, tier,
                tier == Tier.L2 ? "" : " (L1 starts empty)");
    }

    /** Sets every counter of the namespace back to zero. */
    public void resetCounters(Namespace ns) {
        ns.resetCounters();
        LOG.info("namespace {}: counters reset through JMX", ns.name);
    }
}
