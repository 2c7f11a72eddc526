package dev.tiered.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import org.slf4j.Logger;

import dev.tiered.Tier;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * What an operator may change in a running engine, one namespace at a time, for this JVM (a flush reaches every
 * JVM, as a write does): the views in JMX call these, naming the caller ({@code by}, as far as JMX tells: "a JMX
 * client alice from 10.0.0.5"). Each validates its argument like a start-up property, and either logs the change
 * once, with who, what, and the value before and after, or refuses it: logs that at WARN and throws
 * {@link IllegalArgumentException} with one line naming what was wrong and the accepted form (changing nothing).
 * Thread-safe.
 */
public final class Operations {
    private static final Logger LOG = FaultReporter.LOG;

    private final Versions versions;

    Operations(Versions versions) {
        this.versions = versions;
    }

    /** Invalidates every entry of the namespace, in every JVM and both tiers. */
    public void flush(Namespace ns, String by) {
        versions.bump(ns);
        LOG.info("namespace {} flushed by {}: every JVM's entries of it are invalid from now on", ns.name, by);
    }

    /** Enables or disables caching of the namespace; disabled, its L1 entries are dropped. */
    public void enabled(Namespace ns, boolean enabled, String by) {
        if (ns.enabled() == enabled) {
            LOG.info("namespace {}: {} by {}, as it was", ns.name, enabled ? "enabled" : "disabled", by);
            return;
        }
        ns.enabled(enabled);
        if (!enabled) {
            ns.clearL1(); // re-enabled, it starts afresh rather than trust old entries
        }
        LOG.info("namespace {}: {} by {} (was {}){}", ns.name, enabled ? "enabled" : "disabled", by,
                enabled ? "disabled" : "enabled", enabled ? "" : ": its methods run uncached");
    }

    /**
     * Sets {@code ttl} (or, with {@code l1Only}, {@code l1Ttl}) of the namespace's methods, for entries stored from
     * now on.
     */
    public void lifetimes(Namespace ns, String what, String value, boolean l1Only, String by) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw refused(ns, what, value, by, what + " \"" + value + "\" is malformed; accepted: "
                    + Durations.ACCEPTED_FORM);
        }
        List<CachedMethod> methods = Snapshots.methods(ns);
        String before = distinct(methods, m -> Durations.format(l1Only ? m.l1Ttl() : m.ttl()));
        for (CachedMethod m : methods) {
            m.lifetimes(l1Only ? m.ttl() : d, l1Only ? d : m.l1Ttl());
        }
        LOG.info("namespace {}: {} changed from {} to {} by {}, for entries stored from now on{}", ns.name, what,
                before, Durations.format(d), by, l1Only ? " (at most each method's ttl)"
                        : " (l1Ttl cut to it where longer)");
    }

    /** Sets the tier of the namespace's methods: {@code L1}, {@code L2} or {@code L1_L2}. */
    public void tier(Namespace ns, String value, String by) {
        Tier tier;
        try {
            tier = Tier.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw refused(ns, "tier", value, by, "tier \"" + value + "\" is malformed; accepted: L1, L2 or L1_L2");
        }
        List<CachedMethod> methods = Snapshots.methods(ns);
        if (tier != Tier.L1) {
            for (CachedMethod m : methods) {
                if (!m.l2Capable()) {
                    throw refused(ns, "tier", value, by, "tier " + tier + " is refused: " + m.name() + " has a "
                            + "parameter with no stable L2 key encoding; accepted: L1");
                }
            }
        }
        String before = distinct(methods, m -> m.tier().name());
        methods.forEach(m -> m.tier(tier));
        LOG.info("namespace {}: tier changed from {} to {} by {}{}", ns.name, before, tier, by,
                tier == Tier.L2 ? "" : " (L1 starts empty)");
    }

    /** Sets every counter of the namespace back to zero. */
    public void resetCounters(Namespace ns, String by) {
        ns.resetCounters();
        LOG.info("namespace {}: counters reset by {}", ns.name, by);
    }

    /** Logs a refused change, and returns the exception that tells the caller. */
    private static IllegalArgumentException refused(Namespace ns, String what, String value, String by,
                                                    String why) {
        String message = "namespace " + ns.name + ": " + why + ". Nothing was changed.";
        LOG.warn("namespace {}: {} \"{}\" from {} refused: {}", ns.name, what, value, by, message);
        return new IllegalArgumentException(message);
    }

    /** The values the methods have, one if they agree: {@code 10m}, or {@code 10m, 1h (per method)}. */
    private static String distinct(List<CachedMethod> methods, Function<CachedMethod, String> value) {
        List<String> values = methods.stream().map(value).distinct().sorted().toList();
        return values.isEmpty() ? "none (no method)" : values.size() == 1 ? values.get(0)
                : String.join(", ", values) + " (per method)";
    }
}
