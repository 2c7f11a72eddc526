package dev.tiered.runtime.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.tiered.runtime.Health;
import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.CircuitBreaker;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (see {@link #render(TieredRuntime)}), and a live dashboard
 * at {@code GET /} (a self-contained page that reads {@code GET /dashboard.json}, from {@link DashboardHistory}) when
 * {@code tiered.metrics.port} is set, with the JDK's HTTP server: its dispatcher thread and one handler thread, both
 * daemons, so the endpoint never keeps the application's JVM alive. It never throws into the application: a port that
 * cannot be bound, or a runtime image without the {@code jdk.httpserver} module, is one logged line and no endpoint.
 * Thread-safe.
 */
final class MetricsEndpoint {
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    private final DashboardHistory history;
    private final String host;
    private final int port;
    private Server server;
    private boolean closed;

    MetricsEndpoint(TieredRuntime runtime, String host, int port) {
        this.runtime = runtime;
        this.history = new DashboardHistory(runtime);
        this.host = host;
        this.port = port;
    }

    /**
     * Binds and starts serving; logs one line either way. Must run on a daemon thread (tiered's maintenance
     * thread): the JDK's server gives its dispatcher thread the daemon status of the thread that starts it.
     */
    synchronized void start() {
        if (closed || server != null) {
            return;
        }
        try {
            server = new Server(this, host, port);
            runtime.maintenance().scheduleWithFixedDelay(history, 0, DashboardHistory.EVERY_MILLIS,
                    TimeUnit.MILLISECONDS);
            String at = hostAndPort(server.address());
            LOG.info("metrics for Prometheus at http://{}/metrics, a live dashboard at http://{}/", at, at);
        } catch (IOException | RuntimeException e) {
            LOG.warn("no metrics endpoint: cannot listen on {}:{} ({}); set {} to a free port", host, port, e,
                    TieredConfig.METRICS_PORT);
        } catch (LinkageError e) {
            LOG.warn("no metrics endpoint: this Java runtime lacks the jdk.httpserver module ({}); JMX still has "
                    + "every metric", e.toString());
        }
    }

    private static String hostAndPort(InetSocketAddress address) {
        String h = address.getAddress().getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + address.getPort();
    }

    /** Where the endpoint listens, or {@code null} when it does not (not yet, or not at all). */
    synchronized InetSocketAddress address() {
        return server == null ? null : server.address();
    }

    /** Stops serving and ends its threads; later {@link #start()}s do nothing. */
    synchronized void close() {
        closed = true;
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /**
     * The only class that touches {@code com.sun.net.httpserver}: on a runtime image without it, creating one fails
     * with a {@link LinkageError} that {@link #start()} catches.
     */
    private static final class Server {
        private final HttpServer http;
        private final ExecutorService executor;

        Server(MetricsEndpoint endpoint, String host, int port) throws IOException {
            http = HttpServer.create(new InetSocketAddress(host, port), 16);
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tiered-metrics");
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(executor);
            http.createContext("/", endpoint::handle);
            http.start();
        }

        InetSocketAddress address() {
            return http.getAddress();
        }

        void stop() {
            http.stop(0);
            executor.shutdownNow();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/metrics" -> respond(exchange, PrometheusText.CONTENT_TYPE,
                        () -> render(runtime).getBytes(StandardCharsets.UTF_8));
                case "/", "/index.html" -> respond(exchange, "text/html; charset=utf-8", MetricsEndpoint::page);
                case "/dashboard.json" -> respond(exchange, "application/json",
                        () -> history.json().getBytes(StandardCharsets.UTF_8));
                default -> exchange.sendResponseHeaders(404, -1);
            }
        } finally {
            exchange.close();
        }
    }

    /** Answers a GET (or HEAD) with what {@code body} makes; another method is refused, a failure is a 500. */
    private void respond(HttpExchange exchange, String contentType, Supplier<byte[]> body) throws IOException {
        String method = exchange.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            exchange.sendResponseHeaders(405, -1);
            return;
        }
        byte[] bytes;
        try {
            bytes = body.get();
        } catch (RuntimeException e) {
            runtime.faults().warn("metrics", "cannot answer " + exchange.getRequestURI().getPath() + ": " + e, e);
            exchange.sendResponseHeaders(500, -1);
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (method.equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The dashboard: one self-contained page (its script and styles inline, nothing fetched but its data). */
    private static byte[] page() {
        try (InputStream in = MetricsEndpoint.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html is missing from tiered's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every metric of the runtime and its namespaces, in the Prometheus text format. Counters count since start-up
     * (or since a namespace's counters were last reset through JMX, which Prometheus reads as a restart); the
     * quantiles of the two summaries are since then too.
     */
    static String render(TieredRuntime runtime) {
        List<NamespaceStats> all = new ArrayList<>();
        List<Double> lagSums = new ArrayList<>();
        for (Namespace ns : runtime.namespacesInUse()) {
            all.add(Snapshots.of(ns));
            lagSums.add(ns.propagationLag.sum() / 1e6);
        }
        PrometheusText t = new PrometheusText();
        for (MeterTable.Family f : MeterTable.NAMESPACE) {
            String name = f.counter() ? f.name() + "_total" : f.name();
            t.family(name, f.counter() ? "counter" : "gauge", f.help());
            for (NamespaceStats s : all) {
                for (MeterTable.Series series : f.series()) {
                    double value = series.value().applyAsLong(s);
                    if (f.tag() == null) {
                        t.sample(name, value, "namespace", s.namespace());
                    } else {
                        t.sample(name, value, "namespace", s.namespace(), f.tag(), series.tagValue());
                    }
                }
            }
        }
        summary(t, all, "tiered_load_duration_seconds", "Time of a load (a run of the method for a miss), to within "
                + "12.5%; quantile 1 is the longest.", 1e9, NamespaceStats::loadP50Nanos, NamespaceStats::loadP99Nanos,
                NamespaceStats::loadMaxNanos, NamespaceStats::loadNanos, NamespaceStats::misses);
        summary(t, all, "tiered_l2_read_duration_seconds", "Time of a successful L2 read (one Redis round trip), to "
                + "within 12.5%; quantile 1 is the longest.", 1e9, NamespaceStats::l2P50Nanos,
                NamespaceStats::l2P99Nanos, NamespaceStats::l2MaxNanos, NamespaceStats::l2ReadNanos,
                NamespaceStats::l2Reads);
        t.family("tiered_propagation_lag_seconds", "summary", "Time from a write in another JVM (its clock) to its "
                + "invalidation arriving here, to within 12.5%; quantile 1 is the longest.");
        for (int i = 0; i < all.size(); i++) {
            NamespaceStats s = all.get(i);
            String n = s.namespace();
            t.sample("tiered_propagation_lag_seconds", s.propagationLagP50Micros() / 1e6, "namespace", n,
                    "quantile", "0.5");
            t.sample("tiered_propagation_lag_seconds", s.propagationLagP99Micros() / 1e6, "namespace", n,
                    "quantile", "0.99");
            t.sample("tiered_propagation_lag_seconds", s.propagationLagMaxMicros() / 1e6, "namespace", n,
                    "quantile", "1");
            t.sample("tiered_propagation_lag_seconds_sum", lagSums.get(i), "namespace", n);
            t.sample("tiered_propagation_lag_seconds_count", s.invalidationsReceived(), "namespace", n);
        }

        Health jvm = runtime.health();
        t.family("tiered_health", "gauge", "1 for the JVM's health state (caching: every tier in use; degraded: "
                + "L1 and the method only, or invalidations may be late; uncached: calls run the method), 0 for the "
                + "others.");
        for (Health.State state : Health.State.values()) {
            t.sample("tiered_health", jvm.state() == state ? 1 : 0, "state", state.label());
        }
        t.family("tiered_namespace_health", "gauge", "1 for the namespace's health state (the JVM's, unless it is "
                + "disabled or its version unknown), 0 for the others.");
        for (Namespace ns : runtime.namespacesInUse()) {
            Health.State own = runtime.health(ns, jvm).state();
            for (Health.State state : Health.State.values()) {
                t.sample("tiered_namespace_health", own == state ? 1 : 0, "namespace", ns.name, "state",
                        state.label());
            }
        }
        targets(t, runtime, "tiered_hit_ratio_target", "tiered.ns.<namespace>.target.hitRatio, for namespaces with one.",
                "How far a namespace's hit ratio is below its target: positive below, negative above (over the L1 "
                + "budget's last window, else since start-up).", runtime::hitRatioTarget);
        targets(t, runtime, "tiered_load_time_target_seconds", "tiered.ns.<namespace>.target.loadTime: seconds of load time "
                + "per second, for namespaces with one.", "How far a namespace's load time per second is above its "
                + "target: positive above, negative below (over the L1 budget's last window, else since start-up).",
                runtime::loadTimeTarget);
        CircuitBreaker breaker = runtime.breaker();
        t.family("tiered_bus_connected", "gauge", "1 while the invalidation bus is subscribed, else 0.")
                .sample("tiered_bus_connected", runtime.busConnected() ? 1 : 0);
        t.family("tiered_cut_off", "gauge", "1 while calls run uncached because the invalidation bus was lost for "
                + "longer than tiered.l1.maxStaleness, else 0.").sample("tiered_cut_off", runtime.cutOff() ? 1 : 0);
        t.family("tiered_l2_breaker_open", "gauge", "1 while the L2 breaker is open: calls skip Redis until a probe "
                + "finds it answering; else 0 (also without Redis).").sample("tiered_l2_breaker_open",
                breaker != null && breaker.isOpen() ? 1 : 0);
        t.family("tiered_l2_breaker_openings_total", "counter", "Times the L2 breaker opened.")
                .sample("tiered_l2_breaker_openings_total", breaker == null ? 0 : breaker.openings.sum());
        t.family("tiered_l2_calls_skipped_total", "counter", "Redis operations skipped at once because the "
                + "breaker was open.").sample("tiered_l2_calls_skipped_total",
                breaker == null ? 0 : breaker.skipped.sum());
        t.family("tiered_writes_refused", "gauge", "1 while Redis refuses this JVM's writes (calls run uncached "
                + "once that has lasted tiered.l1.maxStaleness), else 0.")
                .sample("tiered_writes_refused", runtime.writesRefused() != null ? 1 : 0);
        t.family("tiered_write_refusals_total", "counter", "Writes of this JVM (probes and bumps) that Redis "
                + "refused.").sample("tiered_write_refusals_total", runtime.writeRefusals());
        t.family("tiered_bus_messages_rejected_total", "counter", "Messages on the invalidation channel that no "
                + "tiered JVM sends, ignored.").sample("tiered_bus_messages_rejected_total",
                runtime.rejectedBusMessages());
        t.family("tiered_l1_budget_bytes", "gauge", "tiered.l1.budget as in effect now: the estimated bytes every "
                + "cached method's L1 shares, a quarter of it under heap pressure; 0 without one.")
                .sample("tiered_l1_budget_bytes", runtime.l1Budget());
        t.family("tiered_l1_heap_pressure", "gauge", "1 while L1 is shrunk because a garbage collection left the "
                + "heap nearly full, else 0.").sample("tiered_l1_heap_pressure", runtime.l1HeapPressure() ? 1 : 0);
        t.family("tiered_l1_pressure_episodes_total", "counter", "Times L1 shrank for heap pressure.")
                .sample("tiered_l1_pressure_episodes_total", runtime.l1PressureEpisodes());
        t.family("tiered_l1_budget_used_bytes", "gauge", "The estimated bytes L1 holds under tiered.l1.budget; 0 "
                + "without one.").sample("tiered_l1_budget_used_bytes", runtime.l1BudgetUsed());
        t.family("tiered_class_loaders", "gauge", "Application class loaders tiered holds state for now.")
                .sample("tiered_class_loaders", runtime.classLoaders().live());
        t.family("tiered_class_loaders_released_total", "counter", "Application class loaders collected (a "
                + "redeploy), and tiered's state for them with them.")
                .sample("tiered_class_loaders_released_total", runtime.classLoaders().released());
        t.family("tiered_reported_problems_total", "counter", "Problems logged with rate limiting (internal "
                + "faults, L2 errors, results not stored), all namespaces.")
                .sample("tiered_reported_problems_total", runtime.reportedProblems());
        return t.toString();
    }

    /** A summary per namespace: quantiles 0.5, 0.99 and 1, the sum and the count; values in {@code perSecond}ths. */
    /** A namespace target's family and its distance's ({@code <name>_distance}, before any unit suffix). */
    private static void targets(PrometheusText t, TieredRuntime runtime, String name, String help,
                                String distanceHelp, Function<Namespace, double[]> target) {
        String distance = name.endsWith("_seconds") ? name.replace("_seconds", "_distance_seconds")
                : name + "_distance";
        t.family(name, "gauge", help);
        t.family(distance, "gauge", distanceHelp);
        for (Namespace ns : runtime.namespacesInUse()) {
            double[] v = target.apply(ns);
            if (v != null) {
                t.sample(name, v[0], "namespace", ns.name);
                t.sample(distance, v[1], "namespace", ns.name);
            }
        }
    }

    private static void summary(PrometheusText t, List<NamespaceStats> all, String name, String help, double perSecond,
                                ToLongFunction<NamespaceStats> p50, ToLongFunction<NamespaceStats> p99,
                                ToLongFunction<NamespaceStats> max, ToLongFunction<NamespaceStats> sum,
                                ToLongFunction<NamespaceStats> count) {
        t.family(name, "summary", help);
        for (NamespaceStats s : all) {
            String n = s.namespace();
            t.sample(name, p50.applyAsLong(s) / perSecond, "namespace", n, "quantile", "0.5");
            t.sample(name, p99.applyAsLong(s) / perSecond, "namespace", n, "quantile", "0.99");
            t.sample(name, max.applyAsLong(s) / perSecond, "namespace", n, "quantile", "1");
            t.sample(name + "_sum", sum.applyAsLong(s) / perSecond, "namespace", n);
            t.sample(name + "_count", count.applyAsLong(s), "namespace", n);
        }
    }
}
