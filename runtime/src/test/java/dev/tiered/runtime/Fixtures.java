package dev.tiered.runtime;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Methods the runtime tests register (their bodies are never run: a test supplies the body of each call), and the
 * call protocol the agent's advice follows, for driving a {@link CachedMethod} by hand.
 */
@SuppressWarnings("unused")
public final class Fixtures {
    public record Product(long id, String name) implements Serializable {}

    public enum Color { RED, GREEN }

    public static final class Catalog {
        String find(long id) { return null; }
        String findWithReviews(long id, boolean hidden) { return null; }
        List<String> byCategory(String category) { return null; }
        String pair(long a, long b) { return null; }
        String byNumber(Integer id) { return null; }
        String other(long id) { return null; }
        Product product(long id) { return null; }
        Optional<Product> maybe(long id) { return Optional.empty(); }
        List<Product> byIds(List<Long> ids, Color color) { return null; }
        String nothing() { return null; }
        int square(int x) { return 0; }
        long[] ranges(int[] lows, String label, double factor) { return null; }
        String five(String a, int b, long c, Color d, Product e) { return null; }
        String byObject(Object filter) { return null; }
        void touch(long id) {}
        CompletableFuture<String> async(long id) { return null; }
        java.util.concurrent.CompletionStage<Product> stage(long id) { return null; }
        java.util.concurrent.Future<String> future(long id) { return null; }
        Stream<String> stream(long id) { return null; }
        java.io.File file(long id) { return null; }
    }

    private Fixtures() {}

    public static MethodSpec spec(String method, String ttl) {
        return Specs.of(Catalog.class, method, ttl, dev.tiered.Tier.L1_L2, "catalog");
    }

    /**
     * Whether a call with this argument would run the method: begins it and, if so, ends the load at once without
     * storing anything, so that no load is left open on this thread.
     */
    public static boolean misses(CachedMethod m, Object arg) {
        Object outcome = m.begin1(arg);
        if (outcome instanceof Load) {
            ((Load) outcome).fail(new IllegalStateException("a probe, not a call"));
            return true;
        }
        return false;
    }

    /**
     * Runs one call the way the agent's advice does: begin, then serve, or run the body and report; then waits
     * until what it wrote to L2 has landed.
     */
    public static Object call(CachedMethod m, Callable<?> body, Object... args) throws Exception {
        return call(m, body, true, args);
    }

    /** {@link #call} without waiting for the write behind it: the call as the application's thread sees it. */
    public static Object serve(CachedMethod m, Callable<?> body, Object... args) throws Exception {
        return call(m, body, false, args);
    }

    private static Object call(CachedMethod m, Callable<?> body, boolean awaitWrites, Object... args)
            throws Exception {
        Object outcome;
        switch (args.length) {
            case 0: outcome = m.begin0(); break;
            case 1: outcome = m.begin1(args[0]); break;
            case 2: outcome = m.begin2(args[0], args[1]); break;
            case 3: outcome = m.begin3(args[0], args[1], args[2]); break;
            default: outcome = m.beginN(args.clone());
        }
        if (outcome instanceof Load) {
            Load load = (Load) outcome;
            Object value;
            try {
                value = body.call();
            } catch (Exception | Error e) {
                load.fail(e);
                throw e;
            }
            load.complete(value);
            // results reach L2 behind the call: tests that look there next need it landed
            if (awaitWrites && !m.awaitL2Writes(java.time.Duration.ofSeconds(10))) {
                throw new AssertionError("the write-behind queue did not drain");
            }
            return value;
        }
        if (outcome == null) {
            return body.call();
        }
        return outcome == CachedMethod.NULL_RESULT ? null : outcome;
    }
}
