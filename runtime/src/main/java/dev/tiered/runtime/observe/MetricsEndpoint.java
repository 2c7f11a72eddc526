package dev.tiered.runtime.observe;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import org.slf4j.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.tiered.runtime.Snapshots;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.coherence.Namespace;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.l2.CircuitBreaker;
import dev.tiered.runtime.stats.FaultReporter;
import dev.tiered.runtime.stats.NamespaceStats;

/**
 * Serves {@code GET /metrics} in the Prometheus text format (see {@link #render(TieredRuntime)}) when
 * {@code tiered.metrics.port} is set, with the JDK's HTTP server: its dispatcher thread and one handler thread,
 * both daemons, so the endpoint never keeps the application's JVM alive. It never throws into the application: a
 * port that cannot be bound, or a runtime image without the {@code jdk.httpserver} module, is one logged line and
 * no endpoint. Thread-safe.
 */
final class MetricsEndpoint {
    private static final Logger LOG = FaultReporter.LOG;

    private final TieredRuntime runtime;
    private final String host;
    private final int port;
    private Server server;
    private boolean closed;

    MetricsEndpoint(TieredRuntime runtime, String host, int port) {
        this.runtime = runtime;
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
            LOG.info("metrics for Prometheus at http://{}/metrics", hostAndPort(server.address()));
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
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try {
                body = render(runtime).getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                runtime.faults().warn("metrics", "cannot render the metrics: " + e, e);
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
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
        counter(t, all, "tiered_calls_total", "Calls of the namespace's cached methods.",
                NamespaceStats::calls);
        counterBy(t, all, "tiered_hits_total",
                "Calls served from a tier: l1, this JVM's memory; l2, Redis (lease waits included).",
                "tier", "l1", NamespaceStats::l1Hits, "l2", NamespaceStats::l2Hits);
        counter(t, all, "tiered_misses_total", "Calls that ran the method because no tier had the entry.",
                NamespaceStats::misses);
        counterBy(t, all, "tiered_loads_total", "Runs of the method for a miss, by whether it returned (success) "
                + "or threw (failure).",
                "result", "success", NamespaceStats::loads, "failure", NamespaceStats::loadFailures);
        counter(t, all, "tiered_coalesced_total",
                "Calls that waited for another thread's load of the same key and returned its result.",
                NamespaceStats::coalesced);
        counter(t, all, "tiered_uncached_total", "Calls that ran the method without the cache (namespace disabled, "
                + "cut off from invalidations, read by an open transaction that wrote the namespace, or an agent "
                + "fault).", NamespaceStats::uncached);
        counter(t, all, "tiered_refreshes_total", "Loads that refreshed an entry ahead of its expiry.",
                NamespaceStats::refreshes);
        counter(t, all, "tiered_lease_waits_total", "Calls that waited for another JVM computing the same entry "
                + "and were served its result.", NamespaceStats::leaseWaits);
        counter(t, all, "tiered_stale_served_total", "Calls whose method threw and that returned a recently "
                + "expired value instead (tiered.staleIfError).", NamespaceStats::staleServed);
        counter(t, all, "tiered_verified_total", "L1 hits on which the method ran too, to compare "
                + "(tiered.verify.rate).", NamespaceStats::verified);
        counter(t, all, "tiered_verify_mismatches_total", "Verified hits whose cached value differed from the "
                + "method's result: a write may lack @Invalidates.", NamespaceStats::verifyMismatches);
        counter(t, all, "tiered_l2_errors_total", "Redis reads and writes that failed or timed out.",
                NamespaceStats::l2Errors);
        counter(t, all, "tiered_l2_timeouts_total", "Of the L2 errors, those where Redis did not answer in time.",
                NamespaceStats::l2Timeouts);
        counter(t, all, "tiered_decode_failures_total", "L2 values that could not be decoded.",
                NamespaceStats::decodeFailures);
        counter(t, all, "tiered_not_stored_total", "Results kept out of L2 (not serializable, too large, not "
                + "allowed, or the write-behind queue full).", NamespaceStats::notStored);
        counter(t, all, "tiered_faults_total", "Internal failures of tiered.", NamespaceStats::faults);
        counterBy(t, all, "tiered_invalidations_total",
                "Invalidations made by this JVM (sent) and made by other JVMs and received here (received).",
                "direction", "sent", NamespaceStats::invalidationsSent,
                "received", NamespaceStats::invalidationsReceived);
        summary(t, all, "tiered_load_duration_seconds", "Time of a load (a run of the method for a miss), to within "
                + "12.5%; quantile 1 is the longest.", 1e9, NamespaceStats::loadP50Nanos, NamespaceStats::loadP99Nanos,
                NamespaceStats::loadMaxNanos, NamespaceStats::loadNanos, NamespaceStats::misses);
        summary(t, all, "tiered_l2_read_duration_seconds", "Time of a successful L2 read (one Redis round trip), to "
                + "within 12.5%; quantile 1 is the longest.", 1e9, NamespaceStats::l2P50Nanos,
                NamespaceStats::l2P99Nanos, NamespaceStats::l2MaxNanos, NamespaceStats::l2ReadNanos,
                NamespaceStats::l2Reads);
        counterBy(t, all, "tiered_evictions_total", "L1 entries removed by Caffeine: to keep within the bound "
                + "(cause size) or at the end of their lifetime (cause expired).",
                "cause", "size", NamespaceStats::evictedBySize, "expired", NamespaceStats::expired);
        counter(t, all, "tiered_stale_drops_total", "L1 entries found to be of an old version (invalidated) and "
                + "dropped.", NamespaceStats::staleDrops);
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
        gauge(t, all, "tiered_l1_entries", "Entries in this JVM's L1 (estimate).", NamespaceStats::l1Entries);
        gauge(t, all, "tiered_l1_estimated_bytes", "Estimated bytes of the L1 entries of methods bounded by "
                + "tiered.l1.maxBytes.", NamespaceStats::l1EstimatedBytes);
        gauge(t, all, "tiered_namespace_version", "The namespace's version (positive: from Redis; zero or "
                + "negative: local only).", NamespaceStats::version);

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
        t.family("tiered_reported_problems_total", "counter", "Problems logged with rate limiting (internal "
                + "faults, L2 errors, results not stored), all namespaces.")
                .sample("tiered_reported_problems_total", runtime.reportedProblems());
        return t.toString();
    }

    private static void counter(PrometheusText t, List<NamespaceStats> all, String name, String help,
                                ToDoubleFunction<NamespaceStats> value) {
        perNamespace(t, all, name, "counter", help, value);
    }

    private static void gauge(PrometheusText t, List<NamespaceStats> all, String name, String help,
                              ToDoubleFunction<NamespaceStats> value) {
        perNamespace(t, all, name, "gauge", help, value);
    }

    /** A counter per namespace split in two by one label, as hits by tier or loads by result. */
    private static void counterBy(PrometheusText t, List<NamespaceStats> all, String name, String help, String label,
                                  String first, ToLongFunction<NamespaceStats> firstValue, String second,
                                  ToLongFunction<NamespaceStats> secondValue) {
        t.family(name, "counter", help);
        for (NamespaceStats s : all) {
            t.sample(name, firstValue.applyAsLong(s), "namespace", s.namespace(), label, first);
            t.sample(name, secondValue.applyAsLong(s), "namespace", s.namespace(), label, second);
        }
    }

    /** A summary per namespace: quantiles 0.5, 0.99 and 1, the sum and the count; values in {@code perSecond}ths. */
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

    private static void perNamespace(PrometheusText t, List<NamespaceStats> all, String name, String type,
                                     String help, ToDoubleFunction<NamespaceStats> value) {
        t.family(name, type, help);
        for (NamespaceStats s : all) {
            t.sample(name, value.applyAsDouble(s), "namespace", s.namespace());
        }
    }
}
