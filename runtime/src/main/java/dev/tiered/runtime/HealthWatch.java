package dev.tiered.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * Logs each change of health in one line, with the reason and the way out: the JVM's, and a namespace's when it
 * differs from the JVM's for a reason of its own (disabled, its version unknown). A state is logged once it has
 * held for {@link #SETTLE_MILLIS}, so that the connection made at start-up or a breaker that closes at its first
 * probe does not fill the log; the state shown in JMX and metrics is the current one. A healthy start logs nothing
 * here. Runs on tiered's maintenance thread only.
 */
final class HealthWatch implements Runnable {
    static final long SETTLE_MILLIS = 1000;
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    private final Map<String, Tracked> namespaces = new HashMap<>();
    private final Tracked jvm = new Tracked(Health.State.CACHING, System.currentTimeMillis());

    /** What was logged of one subject (the JVM, or a namespace's own state), and what is seen now. */
    private static final class Tracked {
        /** For a namespace, {@code null}: as the JVM's. */
        Health.State logged;
        Health.State seen;
        long seenSinceMillis;
        long loggedSinceMillis;

        Tracked(Health.State state, long now) {
            this.logged = state;
            this.seen = state;
            this.seenSinceMillis = now;
            this.loggedSinceMillis = now;
        }

        /**
         * Notes the state seen now ({@code null} too); whether it differs from the one logged and has held long
         * enough to be logged.
         */
        boolean settled(Health.State state, long now) {
            if (state != seen) {
                seen = state;
                seenSinceMillis = now;
            }
            return seen != logged && now - seenSinceMillis >= SETTLE_MILLIS;
        }

        /** How long the state logged before lasted, as of the change to the one now logged. */
        String lasted() {
            return Durations.format(Duration.ofSeconds(Math.max(0, seenSinceMillis - loggedSinceMillis) / 1000));
        }

        void logged() {
            logged = seen;
            loggedSinceMillis = seenSinceMillis;
        }
    }

    HealthWatch(TieredRuntime runtime) {
        this.runtime = runtime;
    }

    /** When the JVM's current state began, in milliseconds since the epoch. */
    long sinceMillis() {
        return jvm.seenSinceMillis;
    }

    @Override
    public void run() {
        long now = System.currentTimeMillis();
        Health h = runtime.health();
        if (jvm.settled(h.state(), now)) {
            if (h.state() == Health.State.CACHING) {
                LOG.info("health: caching again, after {} {}: {}", jvm.lasted(), jvm.logged.label(), h.detail());
            } else {
                LOG.warn("health: {}", h);
            }
            jvm.logged();
        }
        for (Namespace ns : runtime.namespacesInUse()) {
            Health own = runtime.health(ns, h);
            Health.State state = own == h ? null : own.state();
            Tracked t = namespaces.computeIfAbsent(ns.name, n -> new Tracked(null, now));
            if (t.settled(state, now)) {
                if (state == null) {
                    LOG.info("health of namespace {}: as the JVM's again ({}), after {} {}", ns.name, h.brief(),
                            t.lasted(), t.logged.label());
                } else {
                    (state == Health.State.CACHING ? LOG.atInfo() : LOG.atWarn())
                            .log("health of namespace {}: {}", ns.name, own);
                }
                t.logged();
            }
        }
    }
}
