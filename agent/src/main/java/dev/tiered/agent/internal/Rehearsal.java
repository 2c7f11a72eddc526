package dev.tiered.agent.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.tiered.CacheKey;
import dev.tiered.Invalidates;
import dev.tiered.Tier;
import dev.tiered.Tiered;

/**
 * Never loaded, only read: while the application starts, the agent rewrites this class's bytes once, without
 * registering anything, so that Byte Buddy's classes are loaded and its advice parsed before the first application
 * class needs them. One method per kind of advice.
 */
@SuppressWarnings("unused")
final class Rehearsal {
    private Rehearsal() {}

    @Tiered(ttl = "1m")
    static String none() {
        return "";
    }

    @Tiered(ttl = "1m", tier = Tier.L1_L2)
    static String one(long id) {
        return "";
    }

    @Tiered(ttl = "1m", l1Ttl = "10s")
    static int[] two(String name, int page) {
        return new int[0];
    }

    @Tiered(ttl = "1m", tier = Tier.L1)
    static CompletableFuture<String> three(String a, @CacheKey long b, boolean c) {
        return null;
    }

    @Tiered(ttl = "1m")
    static List<String> four(String a, long b, boolean c, double d) {
        return List.of();
    }

    @Invalidates
    static void all() {
    }

    @Invalidates
    static void keyed(@CacheKey long id, String value) {
    }
}
