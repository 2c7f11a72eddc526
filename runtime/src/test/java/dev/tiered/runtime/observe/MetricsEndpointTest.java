package dev.tiered.runtime.observe;

import static dev.tiered.runtime.Fixtures.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tiered.Tier;
import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Fixtures;
import dev.tiered.runtime.Specs;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.stats.NamespaceStats;
import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.StderrCopy;

/** The Prometheus endpoint over real HTTP, read by a strict parser of the text format 0.0.4. */
class MetricsEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Every character a namespace may have that is not a letter or digit. */
    private static final String NAMESPACE = "shop.products-v2$eu_1";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TieredRuntime runtime;
    private Observation observation;

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private TieredRuntime start(String... settings) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < settings.length; i += 2) {
            props.put(settings[i], settings[i + 1]);
        }
        runtime = TieredRuntime.start(TieredConfig.from(props, Map.of()));
        observation = Observation.attach(runtime);
        return runtime;
    }

    private HttpResponse<String> get(InetSocketAddress address, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyLineOfAScrapeIsWellFormedAndTheValuesAreTheNamespaceCounters() throws Exception {
        start("tiered.metrics.port", "0");
        CachedMethod find = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, NAMESPACE));
        CachedMethod other = runtime.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1, "catalog"));
        call(find, () -> "one", 1L);                  // miss, load
        call(find, () -> "one", 1L);                  // L1 hit
        call(find, () -> "one", 1L);                  // L1 hit
        call(find, () -> "two", 2L);                  // miss, load
        assertThrows(IllegalStateException.class,     // miss, failed load
                () -> call(find, () -> { throw new IllegalStateException("down"); }, 3L));
        call(other, () -> "x", 9L);

        InetSocketAddress address = Await.value("the metrics endpoint to listen", WAIT, observation::metricsAddress);
        HttpResponse<String> response = get(address, "/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("Content-Type").orElse(null));

        Scrape scrape = Scrape.parse(response.body());
        NamespaceStats s = runtime.stats(NAMESPACE);
        assertEquals(5, s.calls());
        assertEquals(2, s.l1Hits());
        assertEquals(1, s.loadFailures());
        String ns = "namespace=" + NAMESPACE;
        assertEquals(s.calls(), scrape.value("tiered_calls_total", ns));
        assertEquals(s.l1Hits(), scrape.value("tiered_hits_total", ns, "tier=l1"));
        assertEquals(s.l2Hits(), scrape.value("tiered_hits_total", ns, "tier=l2"));
        assertEquals(s.misses(), scrape.value("tiered_misses_total", ns));
        assertEquals(s.loads(), scrape.value("tiered_loads_total", ns, "result=success"));
        assertEquals(s.loadFailures(), scrape.value("tiered_loads_total", ns, "result=failure"));
        assertEquals(s.coalesced(), scrape.value("tiered_coalesced_total", ns));
        assertEquals(s.uncached(), scrape.value("tiered_uncached_total", ns));
        assertEquals(s.invalidationsSent(), scrape.value("tiered_invalidations_total", ns, "direction=sent"));
        assertEquals(s.l1Entries(), scrape.value("tiered_l1_entries", ns));
        assertEquals(s.version(), scrape.value("tiered_namespace_version", ns));
        assertEquals(s.misses(), scrape.value("tiered_load_duration_seconds_count", ns));
        assertEquals(s.loadNanos() / 1e9, scrape.value("tiered_load_duration_seconds_sum", ns));
        assertEquals(s.loadP50Nanos() / 1e9, scrape.value("tiered_load_duration_seconds", ns, "quantile=0.5"));
        assertEquals(s.loadP99Nanos() / 1e9, scrape.value("tiered_load_duration_seconds", ns, "quantile=0.99"));
        assertEquals(s.loadMaxNanos() / 1e9, scrape.value("tiered_load_duration_seconds", ns, "quantile=1"));
        assertTrue(s.loadMaxNanos() > 0 && s.loadP50Nanos() <= s.loadMaxNanos(), s.toString());
        assertEquals(1, scrape.value("tiered_calls_total", "namespace=catalog"));
        assertEquals(0, scrape.value("tiered_bus_connected"));
        assertEquals(0, scrape.value("tiered_l2_breaker_open"));
        assertEquals(runtime.reportedProblems(), scrape.value("tiered_reported_problems_total"));
        for (String family : List.of("tiered_calls_total", "tiered_hits_total", "tiered_misses_total",
                "tiered_loads_total", "tiered_load_duration_seconds", "tiered_l2_errors_total",
                "tiered_decode_failures_total", "tiered_not_stored_total", "tiered_uncached_total",
                "tiered_coalesced_total", "tiered_refreshes_total", "tiered_lease_waits_total",
                "tiered_stale_served_total", "tiered_invalidations_total", "tiered_propagation_lag_seconds",
                "tiered_l1_entries", "tiered_l1_estimated_bytes", "tiered_namespace_version", "tiered_bus_connected",
                "tiered_cut_off", "tiered_l2_breaker_open", "tiered_l2_breaker_openings_total",
                "tiered_l2_calls_skipped_total", "tiered_reported_problems_total")) {
            assertTrue(scrape.types.containsKey(family), "no family " + family);
        }

        assertEquals(404, get(address, "/nothing-here").statusCode());

        HttpResponse<String> page = get(address, "/");
        assertEquals(200, page.statusCode());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
        assertTrue(page.body().contains("fetch('dashboard.json'")
                && !page.body().matches("(?s).*((src|href)=\"|url\\(|import )(https?:)?//.*"),
                "self-contained: it fetches its own data and nothing from elsewhere");
        HttpResponse<String> data = get(address, "/dashboard.json");
        assertEquals(200, data.statusCode());
        assertEquals("application/json", data.headers().firstValue("Content-Type").orElse(""));
        assertTrue(data.body().matches("\\{\"time\":\\d+,\"redis\":\"none\",\"health\":\\{\"state\":\"caching\",.*"
                + "\"namespaces\":\\[\\{\"name\":\"catalog\",\"health\":\\{\"state\":\"caching\".*\"samples\":\\[\\[.*"),
                data.body());
    }

    /** Each namespace with a target reports it and its distance, in Prometheus and on its MBean; the others none. */
    @Test
    void namespaceTargetsAndTheirDistancesInPrometheusAndJmx() throws Exception {
        start("tiered.ns.slo.target.hitRatio", "0.9", "tiered.ns.slo.target.loadTime", "250ms");
        CachedMethod slo = runtime.register(Specs.of(Fixtures.Catalog.class, "find", "10m", Tier.L1, "slo"));
        CachedMethod plain = runtime.register(Specs.of(Fixtures.Catalog.class, "other", "10m", Tier.L1, "plain"));
        for (long key = 0; key < 4; key++) {
            long k = key;
            call(slo, () -> "v" + k, key % 2); // two misses, two hits
            call(plain, () -> "v" + k, key);
        }
        String text = MetricsEndpoint.render(runtime);
        assertTrue(text.contains("tiered_hit_ratio_target{namespace=\"slo\"} 0.9\n"), text);
        assertTrue(text.contains("tiered_hit_ratio_target_distance{namespace=\"slo\"} 0.4\n"), text);
        assertTrue(text.contains("tiered_load_time_target_seconds{namespace=\"slo\"} 0.25\n"), text);
        Matcher distance = Pattern.compile("tiered_load_time_target_distance_seconds\\{namespace=\"slo\"} (\\S+)")
                .matcher(text);
        assertTrue(distance.find(), text);
        double seconds = Double.parseDouble(distance.group(1));
        assertTrue(seconds < 0 && seconds > -0.25, "two quick loads: below the target: " + seconds);
        assertFalse(text.contains("target{namespace=\"plain\"}"), "no target, no sample");

        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName("dev.tiered:type=Namespace,name=slo");
        Await.until("the namespace's MBean", WAIT, () -> server.isRegistered(name));
        assertEquals(0.9, (double) server.getAttribute(name, "HitRatioTarget"));
        assertEquals(250.0, (double) server.getAttribute(name, "LoadTimeTargetMillis"));
        assertTrue((double) server.getAttribute(name, "LoadTimeTargetDistanceMillis") < 0);
        javax.management.ObjectName other = new javax.management.ObjectName("dev.tiered:type=Namespace,name=plain");
        Await.until("the other namespace's MBean", WAIT, () -> server.isRegistered(other));
        assertEquals(-1.0, (double) server.getAttribute(other, "LoadTimeTargetMillis"));
    }

    @Test
    void jsonStringsOfTheDashboardAreEscapedAlsoForHtml() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u003c/script\\u003e\"", DashboardHistory.string("a\"b\\c\nd</script>"));
    }

    @Test
    void theServerRunsOnDaemonThreadsOnlyAndCloseStopsIt() throws Exception {
        start("tiered.metrics.port", "0");
        InetSocketAddress address = Await.value("the metrics endpoint to listen", WAIT, observation::metricsAddress);
        assertEquals(200, get(address, "/metrics").statusCode()); // the handler thread exists from here on
        Set<String> seen = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("HTTP-Dispatcher") || t.getName().equals("tiered-metrics")) {
                seen.add(t.getName());
                assertTrue(t.isDaemon(), t + " is not a daemon thread: it would keep the application alive");
            }
        }
        assertEquals(Set.of("HTTP-Dispatcher", "tiered-metrics"), seen);

        runtime.close();
        assertNull(observation.metricsAddress());
        Await.until("the endpoint to stop", WAIT, () -> {
            try {
                get(address, "/metrics");
                return false;
            } catch (ConnectException e) {
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        Await.until("the endpoint's threads to end", WAIT, () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("tiered-metrics") || t.getName().equals("HTTP-Dispatcher")));
    }

    @Test
    void aPortInUseIsOneLoggedLineAndCachingGoesOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
             StderrCopy log = StderrCopy.start()) {
            int port = taken.getLocalPort();
            start("tiered.metrics.port", String.valueOf(port));
            String expected = "no metrics endpoint: cannot listen on 127.0.0.1:" + port;
            Await.until("the bind failure to be logged", WAIT,
                    () -> log.lines().stream().anyMatch(l -> l.contains(expected)));
            List<String> lines = log.lines().stream().filter(l -> l.contains("metrics endpoint")).toList();
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).contains("set tiered.metrics.port to a free port"), lines.get(0));
            assertNull(observation.metricsAddress());
            CachedMethod find = runtime.register(Fixtures.spec("find", "10m"));
            call(find, () -> "v", 1L);
            assertEquals("v", call(find, () -> "other", 1L));
        }
    }

    /**
     * A JVM whose runtime image lacks jdk.httpserver ({@code --limit-modules java.se} leaves it out): starting the
     * endpoint logs one line, throws nothing, and the JVM still exits when its main thread ends.
     */
    @Test
    void withoutTheHttpServerModuleTheEndpointIsOneLoggedLine() throws Exception {
        Process child = new ProcessBuilder(JvmProcess.javaExecutable(), "--limit-modules", "java.se",
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                WithoutHttpServer.class.getName()).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> {
            try {
                child.getInputStream().transferTo(out);
            } catch (IOException e) {
                // the child ended
            }
        });
        pump.start();
        boolean exited = child.waitFor(30, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        pump.join(5000);
        String output = out.toString(StandardCharsets.UTF_8);
        assertTrue(exited, "the child JVM did not exit:\n" + output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("httpserver module present: false"), output);
        assertTrue(output.contains("address: null"), output);
        List<String> logged = output.lines().filter(l -> l.contains("metrics endpoint")).toList();
        assertEquals(1, logged.size(), output);
        assertTrue(logged.get(0).contains("lacks the jdk.httpserver module"), output);
    }

    /** The child of {@link #withoutTheHttpServerModuleTheEndpointIsOneLoggedLine()}. */
    static final class WithoutHttpServer {
        public static void main(String[] args) {
            System.out.println("httpserver module present: "
                    + ModuleLayer.boot().findModule("jdk.httpserver").isPresent());
            TieredRuntime runtime = TieredRuntime.start(TieredConfig.from(Map.of(), Map.of()));
            MetricsEndpoint endpoint = new MetricsEndpoint(runtime, "127.0.0.1", 0);
            endpoint.start();
            System.out.println("address: " + endpoint.address());
            endpoint.close();
            runtime.close();
        }
    }

    /**
     * A scrape read by the rules of the text format 0.0.4, failing on the first line that breaks one: a family is
     * announced by {@code # HELP} and {@code # TYPE} before its first sample, once; its samples are contiguous;
     * names and label names have the allowed characters; label values are quoted with only {@code \\ \" \n}
     * escaped; values are floats as Prometheus reads them; counters end in {@code _total}.
     */
    static final class Scrape {
        private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
        private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
        private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
        private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram)");
        private static final Pattern FLOAT =
                Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|NaN|[+-]Inf");

        final Map<String, String> types = new LinkedHashMap<>();
        final Map<String, String> helps = new HashMap<>();
        /** "name{label=value,...}" with labels sorted and values unescaped, to the value. */
        final Map<String, Double> samples = new HashMap<>();

        static Scrape parse(String text) {
            Scrape s = new Scrape();
            assertTrue(text.endsWith("\n"), "the last line ends with a line feed");
            String family = null;
            Set<String> finished = new HashSet<>();
            String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
            int n = 0;
            for (String line : lines) {
                n++;
                String where = "line " + n + ": " + line;
                if (line.startsWith("#")) {
                    Matcher help = HELP.matcher(line);
                    Matcher type = TYPE.matcher(line);
                    if (help.matches()) {
                        String name = help.group(1);
                        assertFalse(s.helps.containsKey(name), "a second HELP, " + where);
                        assertFalse(finished.contains(name), "a family announced again, " + where);
                        assertFalse(help.group(2).isEmpty(), "an empty HELP, " + where);
                        checkHelpEscapes(help.group(2), where);
                        s.helps.put(name, help.group(2));
                        if (family != null && !family.equals(name)) {
                            finished.add(family);
                        }
                        family = name;
                    } else if (type.matches()) {
                        String name = type.group(1);
                        assertEquals(family, name, "TYPE after the HELP of its own family, " + where);
                        assertFalse(s.types.containsKey(name), "a second TYPE, " + where);
                        if (type.group(2).equals("counter")) {
                            assertTrue(name.endsWith("_total"), "a counter's name ends in _total, " + where);
                        }
                        s.types.put(name, type.group(2));
                    } else {
                        fail("a comment that is neither HELP nor TYPE, " + where);
                    }
                    continue;
                }
                s.sample(line, family, where);
            }
            assertEquals(s.helps.keySet(), s.types.keySet(), "every family has both HELP and TYPE");
            return s;
        }

        private static void checkHelpEscapes(String help, String where) {
            for (int i = 0; i < help.length(); i++) {
                if (help.charAt(i) == '\\') {
                    assertTrue(i + 1 < help.length() && "\\n".indexOf(help.charAt(i + 1)) >= 0,
                            "a HELP escape other than \\\\ or \\n, " + where);
                    i++;
                }
            }
        }

        private void sample(String line, String family, String where) {
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
                i++;
            }
            String name = line.substring(0, i);
            assertTrue(NAME.matcher(name).matches(), "a metric name, " + where);
            assertNotNull(family, "a sample before any HELP and TYPE, " + where);
            String type = types.get(family);
            assertNotNull(type, "a sample of a family without TYPE, " + where);
            boolean own = name.equals(family)
                    || (type.equals("summary") || type.equals("histogram"))
                    && (name.equals(family + "_sum") || name.equals(family + "_count"))
                    || type.equals("histogram") && name.equals(family + "_bucket");
            assertTrue(own, "a sample of " + name + " under the HELP and TYPE of " + family + ", " + where);
            Map<String, String> labels = new TreeMap<>();
            if (line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    assertTrue(eq > i, "a label, " + where);
                    String label = line.substring(i, eq);
                    assertTrue(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"),
                            "a label name, " + where);
                    assertEquals('"', line.charAt(eq + 1), "a quoted label value, " + where);
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2;
                    while (line.charAt(j) != '"') {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char next = line.charAt(j + 1);
                            switch (next) {
                                case '\\': value.append('\\'); break;
                                case '"': value.append('"'); break;
                                case 'n': value.append('\n'); break;
                                default: fail("an escape other than \\\\ \\\" \\n in a label value, " + where);
                            }
                            j += 2;
                        } else {
                            value.append(c);
                            j++;
                        }
                    }
                    assertTrue(labels.put(label, value.toString()) == null, "a label given twice, " + where);
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                        assertTrue(line.charAt(i) != '}', "a trailing comma, " + where);
                    } else {
                        assertEquals('}', line.charAt(i), "a comma or } after a label, " + where);
                    }
                }
                i++;
            }
            if (type.equals("summary") && name.equals(family)) {
                assertTrue(labels.containsKey("quantile"), "a summary's sample has a quantile, " + where);
            }
            assertEquals(' ', line.charAt(i), "one space before the value, " + where);
            String number = line.substring(i + 1);
            assertTrue(FLOAT.matcher(number).matches(), "a value without a timestamp, " + where);
            double value = number.equals("+Inf") ? Double.POSITIVE_INFINITY
                    : number.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(number);
            String key = key(name, labels);
            assertFalse(samples.containsKey(key), "a sample given twice, " + where);
            samples.put(key, value);
        }

        private static String key(String name, Map<String, String> labels) {
            List<String> parts = new ArrayList<>();
            labels.forEach((k, v) -> parts.add(k + "=" + v));
            return name + parts;
        }

        /** The value of a sample, with labels as {@code name=value}. */
        double value(String name, String... labels) {
            Map<String, String> l = new TreeMap<>();
            for (String label : labels) {
                int eq = label.indexOf('=');
                l.put(label.substring(0, eq), label.substring(eq + 1));
            }
            Double v = samples.get(key(name, l));
            assertNotNull(v, "no sample " + key(name, l) + " among " + new TreeMap<>(samples).keySet());
            return v;
        }
    }
}
