package dev.tiered.runtime;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.slf4j.Logger;

import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.coherence.Versions;
import dev.tiered.runtime.config.Durations;
import dev.tiered.runtime.config.AdvisePattern;
import dev.tiered.runtime.config.Rules;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l1.CoarseClock;
import dev.tiered.runtime.l1.Keys;
import dev.tiered.runtime.l1.MethodL1;
import dev.tiered.runtime.l2.CircuitBreaker;
import dev.tiered.runtime.l2.L2;
import dev.tiered.runtime.l2.Redis;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.HitCounter;
import dev.tiered.runtime.stats.MethodIndexes;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * The engine: one per JVM (per agent). It wires the configuration, L1's clock and hit counter, L2 (Redis), the
 * namespaces and their versions, and owns their lifecycle; {@link #register(MethodSpec)} turns a {@code @Tiered}
 * method into a {@link CachedMethod}, {@link #registerInvalidation(InvalidationSpec)} an {@code @Invalidates} method
 * into an {@link Invalidation}. What watches the engine (JMX, Prometheus, the log summary) attaches as an
 * {@link Observer}; the engine knows nothing of it. Thread-safe. Starting it does no network I/O on the calling
 * thread.
 */
public final class TieredRuntime implements AutoCloseable {
    private static final Logger LOG = FaultReporter.LOG;

    /**
     * Watches the engine: told of every namespace and cached method, in the order they came, on tiered's
     * maintenance thread (also those that came before it attached), and closed with the engine.
     */
    public interface Observer extends AutoCloseable {
        /** A namespace came into use. */
        default void namespaceAdded(Namespace ns) {}

        /** A cached method was registered. */
        default void methodAdded(CachedMethod method) {}

        /** The engine closes: let go of what was attached. */
        @Override
        void close();
    }

    private final TieredConfig config;
    /** When this engine started: the window of a namespace's load time without a budget. */
    private final long startedNanos = System.nanoTime();
    private final ScheduledExecutorService maintenance;
    private final FaultReporter faults = new FaultReporter();
    private final CoarseClock clock = new CoarseClock();
    private final ClassLoaders loaders = new ClassLoaders();
    /** {@code null} in L1-only mode. */
    private final L2 l2;
    private final Versions versions;
    private final Registrar registrar;
    /** {@code tiered.l1.budget}, or {@code null} without one. */
    private final L1Budget budget;
    /** What shrinks the budget when the heap is nearly full; {@code null} without a budget. */
    private final HeapPressure heapPressure;
    /** {@code tiered.trace}, or {@code null}. */
    private final CallRecorder recorder;
    private final Operations operations;
    private final HealthWatch healthWatch = new HealthWatch(this);
    /** Sends the bumps still waiting for Redis when the JVM exits; {@code null} without Redis. */
    private final Thread exitHook;
    /**
     * Both touched on the maintenance thread only, so that an observer hears of each method once. Methods are held
     * weakly: each goes with its class loader.
     */
    private final List<WeakReference<CachedMethod>> methods = new ArrayList<>();
    private final List<Observer> observers = new ArrayList<>();
    private volatile boolean closed;
    /** What takes the agent out of the JVM, set by the agent; {@code null} where nothing can. */
    private volatile Supplier<String> detacher;
    /** {@code tiered.advise}'s observer, or one started later ({@link #startAdvising}); {@code null} without. */
    private volatile Advisor advisor;
    /** What rewrites the loaded classes an advisor started later observes, set by the agent. */
    private volatile java.util.function.ToIntFunction<AdvisePattern> advisingApplier;
    /** What applies rules read again, set by the agent when a rules file is set; {@code null} otherwise. */
    private volatile Function<Rules, String> rulesApplier;

    private TieredRuntime(TieredConfig config) {
        this.config = config;
        this.advisor = config.advise() == null ? null : new Advisor(config.advise());
        this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tiered-maintenance");
            t.setDaemon(true);
            return t;
        });
        for (String problem : config.problems()) {
            LOG.warn(problem);
        }
        if (config.redis() == null) {
            l2 = null;
            LOG.info("no {} set: caching in L1 only, and invalidations reach this JVM only", TieredConfig.REDIS_URI);
        } else {
            Redis redis = new Redis(config, HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
            l2 = new L2(config, redis, faults);
            long probe = config.breakerProbeInterval().toNanos();
            maintenance.scheduleWithFixedDelay(redis::probe, probe, probe, TimeUnit.NANOSECONDS);
        }
        versions = new Versions(config, l2 == null ? null : l2.redis(), l2 == null ? null : l2.errors(), faults,
                maintenance, ns -> observers.forEach(o -> o.namespaceAdded(ns)));
        if (l2 != null) {
            LOG.info("L2 and invalidations through {} ({})", config.redis(), config.summary());
        }
        budget = config.l1Budget() > 0 ? new L1Budget(config.l1Budget(), config) : null;
        heapPressure = budget == null ? null : new HeapPressure(budget, maintenance);
        if (budget != null) {
            maintenance.scheduleWithFixedDelay(() -> {
                heapPressure.check();
                budget.rebalance();
            }, L1Budget.REBALANCE_MILLIS, L1Budget.REBALANCE_MILLIS, TimeUnit.MILLISECONDS);
        }
        recorder = config.trace() == null ? null : CallRecorder.to(config.trace());
        registrar = new Registrar(new Shared(config, versions, l2, clock, new HitCounter(), faults,
                new MethodIndexes(), loaders, budget, recorder));
        operations = new Operations(versions);
        MethodL1.warmUp(clock);
        HitCounter.warmUp();
        Load.leadingOnThisThread(); // initialises Load (and links its lambda) now, not during a burst of first misses
        Keys.arguments(Keys.of3(Keys.EMPTY, Keys.NULL, null), 3); // initialises Keys, which preloading only loads
        maintenance.scheduleWithFixedDelay(healthWatch, 250, 250, TimeUnit.MILLISECONDS);
        exitHook = l2 == null ? null : new Thread(this::sendPendingBumps, "tiered-exit");
        if (exitHook != null) {
            Runtime.getRuntime().addShutdownHook(exitHook);
        }
    }

    /** Namespaces with a bump Redis has not taken (or no replica has confirmed) yet, which is being sent again. */
    public int pendingNamespaces() {
        return versions.pendingNamespaces();
    }

    /**
     * On the way out of the JVM: the writes whose bumps Redis has not taken yet would otherwise never reach the
     * other JVMs. Tries for at most four Redis operations' time, and says how it went.
     */
    private void sendPendingBumps() {
        int pending = versions.pendingNamespaces();
        if (pending == 0) {
            return;
        }
        LOG.info("sending the bumps of {} namespaces that Redis has not taken yet, before the JVM exits", pending);
        long deadline = System.nanoTime() + 4 * config.redisOperationBound().toNanos();
        int left = versions.flushPending(deadline);
        if (left == 0) {
            LOG.info("the bumps of {} namespaces were sent before the JVM exits", pending);
        } else {
            LOG.warn("the bumps of {} namespaces could not be sent before the JVM exits: other JVMs may serve their "
                    + "old entries until they expire, or until they cut off ({} after Redis last took a write)",
                    left, Durations.format(config.l1MaxStaleness()));
        }
    }

    /**
     * Starts a runtime: logs each of the configuration's problems on one line, and starts connecting to Redis in
     * the background if one is configured.
     */
    public static TieredRuntime start(TieredConfig config) {
        return new TieredRuntime(config);
    }

    public TieredConfig config() {
        return config;
    }

    /**
     * Validates a {@code @Tiered} method and returns its cache.
     *
     * @throws RejectedException if the method cannot be cached; its message is the line to log
     */
    public CachedMethod register(MethodSpec spec) throws RejectedException {
        CachedMethod method = registrar.register(spec);
        if (!closed) {
            WeakReference<CachedMethod> ref = new WeakReference<>(method);
            maintenance.execute(() -> {
                methods.removeIf(m -> m.get() == null);
                methods.add(ref);
                CachedMethod m = ref.get(); // gone already if its loader was dropped meanwhile
                if (m != null) {
                    observers.forEach(o -> o.methodAdded(m));
                }
            });
        }
        return method;
    }

    /**
     * Validates an {@code @Invalidates} method and returns its effect.
     *
     * @throws RejectedException if a namespace is malformed; the method then invalidates nothing
     */
    public Invalidation registerInvalidation(InvalidationSpec spec) throws RejectedException {
        return registrar.registerInvalidation(spec);
    }

    /**
     * Attaches an observer: it is told of every namespace and method so far, then of each new one, on the
     * maintenance thread, and closed with this runtime.
     */
    public void observe(Observer observer) {
        maintenance.execute(() -> {
            if (closed) {
                observer.close();
                return;
            }
            observers.add(observer);
            versions.all().forEach(observer::namespaceAdded);
            for (WeakReference<CachedMethod> ref : methods) {
                CachedMethod m = ref.get();
                if (m != null) {
                    observer.methodAdded(m);
                }
            }
        });
    }

    /**
     * Tiered's maintenance thread, a daemon, for an observer's periodic work: tasks must be short and never wait on
     * the application.
     */
    public ScheduledExecutorService maintenance() {
        return maintenance;
    }

    /** Set by the agent: what {@link #detach()} runs. */
    public void detachWith(Supplier<String> detacher) {
        this.detacher = detacher;
    }

    /**
     * Takes tiered out of the JVM (the agent restores every rewritten method, then closes this runtime), and says
     * what it did in one line; or says why it cannot.
     */
    public String detach() {
        Supplier<String> d = detacher;
        if (d == null || closed) {
            return "nothing to detach: " + (closed ? "tiered is closed already" : "no agent runs this engine");
        }
        return d.get();
    }

    /** The agent's way of applying rules read again; see {@link #reloadRules()}. */
    public void rulesWith(Function<Rules, String> applier) {
        this.rulesApplier = applier;
    }

    /**
     * Reads the {@code tiered.rules} file again and has the agent apply it: the classes whose rules changed are
     * rewritten, their methods re-registered (their L1 starts empty). Each malformed entry is logged as at start-up
     * and left out; a file that cannot be read leaves the rules in effect as they are. Returns what was done, in one
     * line.
     */
    public synchronized String reloadRules() {
        java.nio.file.Path file = config.rules().file();
        Function<Rules, String> applier = rulesApplier;
        if (file == null || applier == null || closed) {
            return "nothing to reload: " + (closed ? "tiered is closed" : file == null ? "no " + TieredConfig.RULES
                    + " file was set at start-up" : "no agent applies rules in this engine");
        }
        if (!java.nio.file.Files.isReadable(file)) {
            String line = "rules file " + file + " cannot be read now; the rules in effect stay";
            LOG.warn(line);
            return line;
        }
        Rules fresh = Rules.read(file);
        fresh.problems().forEach(LOG::warn);
        String done = applier.apply(fresh);
        LOG.info("{}", done);
        return done + (fresh.problems().isEmpty() ? "" : "; " + fresh.problems().size()
                + " entries left out (logged)");
    }

    /**
     * A method replaced by a reload of the rules: it leaves its namespace, which keeps its counts, and its L1 is
     * emptied and takes no share of {@code tiered.l1.budget} any more. Its replacement is registered as any method.
     */
    public void retire(CachedMethod method) {
        method.retire();
    }

    /** {@code tiered.advise}'s observer, or {@code null} when nothing is advised. */
    public Advisor advisor() {
        return advisor;
    }

    /** The agent's way of rewriting the loaded classes of an advisor started later. */
    public void advisingWith(java.util.function.ToIntFunction<AdvisePattern> applier) {
        this.advisingApplier = applier;
    }

    /**
     * Starts the advisor in a running JVM, as {@code tiered.advise} would have at start-up: the loaded classes the
     * pattern takes are rewritten to be observed. One pattern per JVM. Returns what was done, in one line.
     */
    public synchronized String startAdvising(String pattern) {
        AdvisePattern p;
        try {
            p = AdvisePattern.parse(pattern == null ? "" : pattern);
        } catch (IllegalArgumentException e) {
            return "advise \"" + pattern + "\" is malformed; nothing was changed. Accepted: " + AdvisePattern.FORM;
        }
        if (advisor != null) {
            return "the advisor already observes " + advisor.pattern() + "; a JVM advises one pattern";
        }
        java.util.function.ToIntFunction<AdvisePattern> applier = advisingApplier;
        if (applier == null || closed) {
            return "nothing to advise with: " + (closed ? "tiered is closed" : "no agent runs this engine");
        }
        advisor = new Advisor(p);
        int rewritten = applier.applyAsInt(p);
        String done = "the advisor observes " + p + " from now on: " + rewritten + " loaded classes rewritten";
        LOG.info("{}", done);
        return done;
    }

    /** The advisor's ranked table, or why there is none. */
    public String adviceTable() {
        Advisor a = advisor;
        return a == null ? "nothing is advised: " + TieredConfig.ADVISE + " was not set at start-up, and no advisor "
                + "was started since (java -jar tiered-agent.jar advise <pid> <pattern>)" : a.table();
    }

    /** The advisor's proposed rules file, or why there is none (as a YAML comment). */
    public String adviceRules() {
        Advisor a = advisor;
        return a == null ? "# nothing is advised: " + TieredConfig.ADVISE + " was not set at start-up\n" : a.rules();
    }

    /** The application class loaders tiered holds state for, and the cleaner that lets go of it with them. */
    public ClassLoaders classLoaders() {
        return loaders;
    }

    /** Steering from outside: flush, enable, lifetimes, tier, counters. */
    public Operations operations() {
        return operations;
    }

    /** Whether the invalidation bus is subscribed; always {@code false} in L1-only mode. */
    public boolean busConnected() {
        return versions.busConnected();
    }

    /** Whether calls run uncached because the bus has been silent for longer than {@code tiered.l1.maxStaleness}. */
    public boolean cutOff() {
        return versions.cutOff();
    }

    /**
     * Whether this JVM caches, and why not: {@code uncached} when calls run the method (cut off from invalidations
     * for longer than {@code tiered.l1.maxStaleness}, or closed); {@code degraded} when they are served by L1 and the
     * method only, or invalidations from other JVMs may be late (Redis not reached, the bus lost, writes refused, the
     * L2 breaker open); {@code caching} otherwise. Computed when asked; cheap.
     */
    public Health health() {
        if (closed) {
            return new Health(Health.State.UNCACHED, "closed", "tiered was closed (detached, or the JVM exits)",
                    "attach the agent again");
        }
        if (l2 == null) {
            return Health.caching("L1 only: without " + TieredConfig.REDIS_URI
                    + ", invalidations reach this JVM only");
        }
        String redis = "Redis at " + config.redis();
        String staleness = TieredConfig.L1_MAX_STALENESS + " (" + Durations.format(config.l1MaxStaleness()) + ")";
        String refusal = versions.writesRefused();
        if (versions.cutOffByRefusal() && refusal != null) {
            return new Health(Health.State.UNCACHED, "writes refused", redis + " refuses writes since "
                    + Health.at(versions.refusingSinceMillis()) + " (" + refusal + "), longer than " + staleness
                    + ": a write it refused reached no other JVM", "caching resumes once Redis takes writes again "
                    + "(memory freed under maxmemory, replicas back for min-replicas-to-write, the ACL granting them)");
        }
        Versions.BusDown down = versions.busDown();
        String silent = (down.everUp() ? "bus silent" : "Redis unreachable");
        String since = (down.everUp() ? "the invalidation bus on " + config.redis() + " is lost since "
                : redis + " not reached since start-up at ") + Health.at(down.sinceMillis())
                + (down.failure() == null ? "" : " (" + down.failure() + ")");
        if (versions.cutOffByBus()) {
            return new Health(Health.State.UNCACHED, silent, since + ", longer than " + staleness
                    + ": invalidations from other JVMs would be missed", "caching resumes once the bus subscribes "
                    + "to Redis again");
        }
        if (!versions.busConnected()) {
            return new Health(Health.State.DEGRADED, "L1 only: " + silent, since + "; L1 entries are served until "
                    + staleness + " has passed, without invalidations from other JVMs", "caching resumes when the "
                    + "bus subscribes; calls run uncached if it has not by then");
        }
        if (refusal != null) {
            return new Health(Health.State.DEGRADED, "writes refused", redis + " refuses writes since "
                    + Health.at(versions.refusingSinceMillis()) + " (" + refusal + "): this JVM's invalidations may "
                    + "not reach other JVMs", "calls run uncached if it lasts " + staleness + "; caching goes on "
                    + "once Redis takes writes");
        }
        CircuitBreaker breaker = l2.redis().breaker();
        if (breaker.isOpen()) {
            return new Health(Health.State.DEGRADED, "L1 only: L2 breaker open", "the L2 breaker opened at "
                    + Health.at(breaker.openedAtMillis()) + " after " + config.breakerFailures() + " failures of "
                    + redis + " in a row (last: " + breaker.openedBy() + "): calls skip L2", "a probe every "
                    + Durations.format(config.breakerProbeInterval()) + " closes it once Redis answers");
        }
        return Health.caching("L1 and L2 through " + redis + ", invalidation bus subscribed");
    }

    /** The health of one namespace: the JVM's, unless it is disabled or its version is unknown. */
    public Health health(Namespace ns) {
        return health(ns, health());
    }

    /** The health of {@code ns}, given the JVM's: {@code jvm} itself unless the namespace has a reason of its own. */
    public Health health(Namespace ns, Health jvm) {
        if (!ns.enabled()) {
            return new Health(Health.State.UNCACHED, "disabled", "namespace " + ns.name + " is disabled in this JVM ("
                    + TieredConfig.NS_PREFIX + ns.name + ".enabled, or the JMX operation setEnabled)",
                    "setEnabled(true) on dev.tiered:type=Namespace,name=" + ns.name + " enables it");
        }
        if (jvm.state() == Health.State.CACHING && l2 != null && ns.version() <= 0) {
            return new Health(Health.State.DEGRADED, "L1 only: version unknown", "the version of namespace "
                    + ns.name + " could not be read from Redis (" + ns.versionErrors.sum() + " failed reads): its "
                    + "methods use L1 only", "L2 is used again once a read of its version succeeds, at its next call");
        }
        return jvm;
    }

    /** The L1 budget, or {@code null} without {@code tiered.l1.budget}: for tests. */
    L1Budget budget() {
        return budget;
    }

    /** {@code tiered.l1.budget} in bytes as in effect now (smaller under heap pressure), 0 without one. */
    public long l1Budget() {
        return budget == null ? 0 : budget.effective();
    }

    /**
     * {@code tiered.ns.<ns>.target.hitRatio} of the namespace, and how far below it the namespace is (negative:
     * above): over the budget's last window with calls under {@code tiered.l1.budget}, else since start-up.
     * {@code null} without a target.
     */
    public double[] hitRatioTarget(Namespace ns) {
        Double target = config.namespace(ns.name).targetHitRatio();
        if (target == null) {
            return null;
        }
        Double distance = budget == null ? null : budget.distances().get(ns.name);
        if (distance == null) {
            NamespaceStats s = Snapshots.of(ns);
            long wanted = s.l1Hits() + s.l2Hits() + s.misses();
            distance = wanted == 0 ? 0 : target - (s.l1Hits() + s.l2Hits()) / (double) wanted;
        }
        return new double[] {target, distance};
    }

    /**
     * {@code tiered.ns.<ns>.target.loadTime} of the namespace in seconds of load time per second, and how far above it
     * the namespace is (negative: below): over the budget's last window under {@code tiered.l1.budget}, else since
     * start-up. {@code null} without a target.
     */
    public double[] loadTimeTarget(Namespace ns) {
        Duration target = config.namespace(ns.name).targetLoadTime();
        if (target == null) {
            return null;
        }
        double seconds = target.toNanos() / 1e9;
        Double distance = budget == null ? null : budget.loadTimeDistances().get(ns.name);
        if (distance == null) {
            double elapsed = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
            distance = Snapshots.of(ns).loadNanos() / 1e9 / elapsed - seconds;
        }
        return new double[] {seconds, distance};
    }

    /** Whether L1 is shrunk for heap pressure now. */
    public boolean l1HeapPressure() {
        return heapPressure != null && heapPressure.under();
    }

    /** Times L1 shrank for heap pressure since start-up. */
    public long l1PressureEpisodes() {
        return budget == null ? 0 : budget.pressureEpisodes();
    }

    /** The shrinker, or {@code null} without a budget: for tests. */
    HeapPressure heapPressure() {
        return heapPressure;
    }

    /** The estimated bytes the cached methods' L1 holds under {@code tiered.l1.budget}; 0 without one. */
    public long l1BudgetUsed() {
        return budget == null ? 0 : budget.used();
    }

    /** When the JVM's current health state began, in milliseconds since the epoch. */
    public long healthSinceMillis() {
        return healthWatch.sinceMillis();
    }

    /** The circuit breaker in front of Redis, or {@code null} in L1-only mode. */
    public CircuitBreaker breaker() {
        return l2 == null ? null : l2.redis().breaker();
    }

    /** What Redis answered the last write it refused, while it refuses writes; {@code null} while it takes them. */
    public String writesRefused() {
        return versions.writesRefused();
    }

    /** Writes of this JVM that Redis refused since start-up. */
    public long writeRefusals() {
        return versions.refusals();
    }

    /** Messages on the invalidation channel that no tiered JVM sends, ignored since start-up. */
    public long rejectedBusMessages() {
        return versions.rejectedMessages();
    }

    /** Problems logged with rate limiting since start-up. */
    public long reportedProblems() {
        return faults.total.sum();
    }

    /** Logs problems that can repeat, at most once a minute each. */
    public FaultReporter faults() {
        return faults;
    }

    /** A snapshot of one namespace's counters, or {@code null} if no method uses it. */
    public NamespaceStats stats(String namespace) {
        Namespace ns = versions.get(namespace);
        return ns == null ? null : Snapshots.of(ns);
    }

    /** Every namespace in use, sorted by name. */
    public List<Namespace> namespacesInUse() {
        return versions.all();
    }

    /** The names of every namespace in use, sorted. */
    public List<String> namespaces() {
        return versions.all().stream().map(ns -> ns.name).toList();
    }

    /**
     * Waits until results queued for L2 are written (or failed); {@code false} if that took longer than the
     * timeout. For a caller that must know another JVM can now find them in L2.
     */
    public boolean awaitL2Writes(Duration timeout) throws InterruptedException {
        return l2 == null || l2.awaitWrites(timeout);
    }

    /**
     * Stops the bus, the maintenance thread and the observers, and closes the connections (what is queued for L2
     * gets a few round trips to land). Cached methods then run uncached.
     */
    @Override
    public void close() {
        closed = true;
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException exiting) {
                // closed by another hook while the JVM exits: the hook runs anyway
            }
        }
        versions.close();
        maintenance.shutdownNow();
        try {
            maintenance.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        observers.forEach(Observer::close);
        if (heapPressure != null) {
            heapPressure.close();
        }
        if (recorder != null) {
            recorder.close();
        }
        clock.close();
        if (l2 != null) {
            l2.close();
        }
    }

    @Override
    public String toString() {
        return "TieredRuntime{" + config.summary() + ", namespaces=" + namespaces() + "}";
    }
}
