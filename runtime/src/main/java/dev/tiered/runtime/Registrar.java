package dev.tiered.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;

import dev.tiered.Tier;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.NamespaceSettings;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.EntityKey;
import dev.tiered.runtime.l2.ValueCodec;
import dev.tiered.runtime.l2.KeyType;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.HitCounter;
import dev.tiered.runtime.stats.MethodIndexes;
import dev.tiered.runtime.stats.MethodStats;

/**
 * Turns what the agent found on a method into its cache or its invalidation, or refuses it: every rejection
 * message is written here, one line naming the method, the problem and the accepted form.
 */
final class Registrar {
    private static final Logger LOG = FaultReporter.LOG;

    private final Shared shared;

    Registrar(Shared shared) {
        this.shared = shared;
    }

    /**
     * Validates a {@code @Tiered} method and returns its cache.
     *
     * @throws RejectedException if the method cannot be cached; its message is the line to log
     */
    CachedMethod register(MethodSpec spec) throws RejectedException {
        String name = spec.displayName();
        switch (spec.kind()) {
            case ABSTRACT:
                throw new RejectedException(name, "@Tiered is on an abstract method, which has no body to cache; "
                        + "annotate the method that implements it");
            case NATIVE:
                throw new RejectedException(name, "@Tiered is on a native method, whose body cannot be rewritten; "
                        + "annotate a Java method that calls it");
            case CONSTRUCTOR:
            case STATIC_INITIALIZER:
                throw new RejectedException(name, "@Tiered is on a constructor or initializer; only methods that "
                        + "return a value can be cached");
            default:
                break;
        }
        if (spec.returnType().equals("void")) {
            throw new RejectedException(name, "@Tiered is on a method that returns void, so there is no result to "
                    + "cache; annotate the method that returns the value, and methods that change it @Invalidates");
        }
        String unsupportedReturn = unsupportedReturn(spec.returnType());
        if (unsupportedReturn != null) {
            throw new RejectedException(name, unsupportedReturn);
        }
        String nsName = spec.effectiveNamespace();
        if (!TieredConfig.isNamespace(nsName)) {
            throw new RejectedException(name, "namespace \"" + nsName + "\" is malformed; accepted: "
                    + TieredConfig.NAMESPACE_FORM);
        }
        TieredConfig config = shared.config();
        NamespaceSettings overrides = config.namespace(nsName);
        Duration ttl = overrides.ttl() != null ? overrides.ttl() : duration(name, "ttl", spec.ttl());
        Duration l1Ttl = overrides.l1Ttl() != null ? overrides.l1Ttl()
                : spec.l1Ttl().isEmpty() ? ttl : duration(name, "l1Ttl", spec.l1Ttl());
        if (l1Ttl.compareTo(ttl) > 0) {
            throw new RejectedException(name, "l1Ttl " + Durations.format(l1Ttl) + " is longer than ttl "
                    + Durations.format(ttl) + "; accepted: an l1Ttl no longer than ttl, or none");
        }
        Tier tier = overrides.tier() != null ? overrides.tier() : tier(name, spec.tier());
        List<Integer> cacheKeys = spec.cacheKeyParameters();
        if (cacheKeys.size() > 1) {
            throw new RejectedException(name, "@CacheKey is on " + cacheKeys.size() + " parameters; accepted: at most "
                    + "one, the parameter that identifies the entity");
        }
        if (!cacheKeys.isEmpty()) {
            int i = cacheKeys.get(0);
            KeyType.Unsupported u = spec.keyTypes().get(i).firstUnsupported();
            if (u != null) {
                throw new RejectedException(name, "its @CacheKey parameter " + (i + 1) + " ("
                        + spec.parameterTypes().get(i) + ") has no stable key encoding; accepted: " + KeyType.ACCEPTED);
            }
        }
        if (tier != Tier.L1) {
            for (int i = 0; i < spec.keyTypes().size(); i++) {
                KeyType.Unsupported u = spec.keyTypes().get(i).firstUnsupported();
                if (u != null) {
                    String declared = spec.parameterTypes().get(i);
                    throw new RejectedException(name, "parameter " + (i + 1) + " (" + declared + ") has no stable "
                            + "L2 key encoding" + (u.typeName().equals(declared) ? "" : ": it holds " + u.typeName())
                            + "; accepted: " + KeyType.ACCEPTED + ", or tier = Tier.L1 for any type with a "
                            + "value-based equals");
                }
            }
        }
        boolean cacheNulls = overrides.cacheNulls() != null ? overrides.cacheNulls() : config.cacheNulls();
        long maxEntries = overrides.l1MaxEntries() != null ? overrides.l1MaxEntries() : config.l1MaxEntries();
        long maxBytes = overrides.l1MaxBytes() != null ? overrides.l1MaxBytes() : config.l1MaxBytes();
        Namespace ns = shared.versions().namespace(nsName);
        double verifyRate = overrides.verifyRate() != null ? overrides.verifyRate() : config.verifyRate();
        L1Budget budget = shared.budget();
        if (budget != null) { // bounded by bytes, by its share of the budget: the entry bound is no more
            maxEntries = Integer.MAX_VALUE;
            maxBytes = budget.initialShare();
        }
        CachedMethod method = new CachedMethod(shared, spec, ns, tier, ttl, l1Ttl, cacheNulls, maxEntries, maxBytes,
                verifyRate);
        ns.add(method);
        if (budget != null) {
            budget.add(method);
        }
        Retirement retirement = new Retirement(ns, method.stats, shared.hits(), method.index(),
                shared.methodIndexes(), new java.util.concurrent.atomic.AtomicBoolean());
        method.retirement = retirement;
        shared.loaders().whenGone(method, retirement);
        // a future's value is what is stored, and its type is not in the spec: it is judged value by value
        String neverStored = tier == Tier.L1 || shared.l2() == null || spec.returnType().startsWith(
                "java.util.concurrent.Completi") ? null : ValueCodec.neverStored(spec.returnType());
        if (neverStored != null) {
            LOG.warn("{} asks for tier {}, but {}: its results stay in L1 only (NotStored counts them); accepted: "
                    + "tier = Tier.L1, or a return type L2 takes", name, tier, neverStored);
        }
        if (spec.batchRead()) {
            int i = spec.cacheKeyParameters().get(0);
            LOG.info("{}: its @CacheKey parameter {} ({}) names many entities, a batch read: its entries are "
                    + "invalidated by every write to namespace {}, keyed or not", name, i + 1,
                    spec.parameterTypes().get(i), nsName);
        }
        LOG.debug("caching {}", method);
        return method;
    }

    /**
     * What is left to do when a cached method is gone with its class loader, or replaced by a reload of the rules:
     * its namespace keeps its counts (so that totals never go back), and its hit counter index is handed out again.
     * Runs once. Refers to no part of the method but its counters.
     */
    private record Retirement(Namespace ns, MethodStats stats, HitCounter hits, int index, MethodIndexes indexes,
                              java.util.concurrent.atomic.AtomicBoolean done) implements Runnable {
        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) {
                return; // retired by a reload of the rules, then gone with its loader
            }
            ns.retire(stats, hits.sum(index) - stats.l1HitsBaseline);
            indexes.free(index);
            ns.prune();
        }
    }

    private static String unsupportedReturn(String type) {
        switch (type) {
            case "java.util.concurrent.Future":
                return "it returns " + type + ", whose completion cannot be observed without blocking; accepted: "
                        + "a CompletableFuture or CompletionStage, or the value itself";
            case "java.util.stream.Stream":
            case "java.util.stream.IntStream":
            case "java.util.stream.LongStream":
            case "java.util.stream.DoubleStream":
            case "java.util.Iterator":
            case "java.util.Spliterator":
            case "java.io.InputStream":
            case "java.io.Reader":
                return "it returns " + type + ", which can be consumed only once; accepted: a method that returns "
                        + "a collection or value";
            default:
                return null;
        }
    }

    private static Duration duration(String method, String attribute, String text) throws RejectedException {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RejectedException(method, attribute + " \"" + text + "\" is malformed; accepted: "
                    + Durations.ACCEPTED_FORM);
        }
    }

    private static Tier tier(String method, String text) throws RejectedException {
        try {
            return Tier.valueOf(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RejectedException(method, "tier \"" + text + "\" is unknown; accepted: L1, L2 or L1_L2");
        }
    }

    /**
     * Validates an {@code @Invalidates} method and returns its effect.
     *
     * @throws RejectedException if a namespace is malformed; the method then invalidates nothing
     */
    Invalidation registerInvalidation(InvalidationSpec spec) throws RejectedException {
        List<Namespace> targets = new ArrayList<>();
        for (String nsName : spec.effectiveNamespaces()) {
            if (!TieredConfig.isNamespace(nsName)) {
                throw new RejectedException(spec.displayName(), "invalidates nothing", "@Invalidates names the "
                        + "namespace \"" + nsName + "\", which is malformed; accepted: " + TieredConfig.NAMESPACE_FORM);
            }
            targets.add(shared.versions().namespace(nsName));
        }
        List<Integer> cacheKeys = spec.cacheKeyParameters();
        String whole = null;
        if (cacheKeys.size() > 1) {
            whole = "@CacheKey is on " + cacheKeys.size() + " parameters; accepted: at most one";
        } else if (!cacheKeys.isEmpty() && spec.cacheKeyType().firstUnsupported() != null) {
            whole = "its @CacheKey parameter " + (cacheKeys.get(0) + 1) + " (" + spec.parameterTypes()
                    .get(cacheKeys.get(0)) + ") has no stable key encoding; accepted: " + KeyType.ACCEPTED
                    + ", or a List, Collection or array of these";
        }
        if (whole != null) {
            LOG.warn("{} invalidates its whole namespaces: {}.", spec.displayName(), whole);
            return new Invalidation(shared.versions(), shared.faults(), spec.displayName(), targets, null,
                    spec.classLoader());
        }
        return new Invalidation(shared.versions(), shared.faults(), spec.displayName(), targets,
                cacheKeys.isEmpty() ? null : new EntityKey(cacheKeys.get(0), spec.cacheKeyType(), spec.eachElement()),
                spec.classLoader());
    }
}
