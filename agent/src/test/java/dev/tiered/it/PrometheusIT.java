package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.PrometheusServer;
import dev.tiered.testkit.RedisServer;

/**
 * The alert rules and the Grafana dashboard of {@code ops/}, against a real Prometheus (Debian's package) scraping a
 * real agent: promtool accepts the rules and passes their unit tests, every metric they use exists in what the agent
 * exports, every dashboard query is valid PromQL, and an alert fires on the agent's real series and resolves.
 */
class PrometheusIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern METRIC = Pattern.compile("\\btiered_[a-z0-9_]+");
    private static final Pattern EXPR = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"");

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();
    private static RedisServer redis;
    private static JvmProcess app;
    private static PrometheusServer prometheus;

    private static Path ops(String file) {
        return AgentJvms.path("it.opsDir").resolve(file);
    }

    @BeforeAll
    static void start() throws IOException {
        redis = jvms.own(RedisServer.start()); // its own: the test makes it refuse writes
        int metricsPort = RedisServer.freePort();
        app = jvms.withAgent("scraped", "tiered.redis.uri=" + redis.uri(), "tiered.metrics.port=" + metricsPort,
                "tiered.bus.heartbeat=200ms", "tiered.l1.maxStaleness=60s");
        app.request("call update 90 ninety");
        app.request("call find 90");
        app.request("call find 90");
        // the rules as shipped, but each alert fires as soon as its expression holds: the test cannot wait minutes
        String rules = Files.readString(ops("prometheus/tiered-alerts.yml")).replaceAll("for: \\S+", "for: 0s");
        Path dir = Files.createTempDirectory("tiered-rules-");
        Path shortened = Files.writeString(dir.resolve("tiered-alerts.yml"), rules);
        prometheus = PrometheusServer.start("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "rule_files:\n  - " + shortened + "\n"
                + "scrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: ['127.0.0.1:"
                + metricsPort + "']\n");
        Await.until("Prometheus to scrape the agent", WAIT, () -> prometheus.query("tiered_calls_total")
                .contains("\"namespace\":\"products\""));
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void promtoolAcceptsTheRulesAndTheirUnitTestsPass() {
        String promtool = PrometheusServer.onPath("promtool");
        PrometheusServer.Result check = PrometheusServer.run(ops("prometheus"), promtool, "check", "rules",
                "tiered-alerts.yml");
        assertEquals(0, check.exitCode(), check.output());
        assertTrue(check.output().contains("SUCCESS: 8 rules found"), check.output());
        PrometheusServer.Result test = PrometheusServer.run(ops("prometheus"), promtool, "test", "rules",
                "tiered-alerts.test.yml");
        assertEquals(0, test.exitCode(), test.output());
        String tested = read("prometheus/tiered-alerts.test.yml");
        for (String alert : alerts()) {
            assertTrue(tested.contains("alertname: " + alert), alert + " has no unit test");
        }
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseExistsInWhatTheAgentExports() {
        Set<String> used = new TreeSet<>();
        for (String file : List.of("prometheus/tiered-alerts.yml", "grafana/tiered-dashboard.json")) {
            Matcher m = METRIC.matcher(read(file));
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertTrue(used.size() > 15, used.toString());
        List<String> missing = new ArrayList<>();
        for (String metric : used) {
            if (!prometheus.query("count({__name__=\"" + metric + "\"})").contains("\"result\":[{")) {
                missing.add(metric);
            }
        }
        assertEquals(List.of(), missing, "metrics used by the rules or the dashboard that the agent does not export");
        String rules = prometheus.get("/api/v1/rules");
        assertEquals(alerts().size(), count(rules, "\"health\":\"ok\""), "every rule evaluates: " + rules);
    }

    @Test
    void everyDashboardQueryIsValidPromQlAndTheMainPanelsHaveData() {
        Matcher m = EXPR.matcher(read("grafana/tiered-dashboard.json"));
        int queries = 0;
        while (m.find()) {
            String expr = m.group(1).replace("\\\"", "\"").replace("$__rate_interval", "1m")
                    .replace("$job", ".*").replace("$instance", ".*").replace("$namespace", ".*");
            String answer = prometheus.query(expr); // refused PromQL fails here, naming the query
            assertTrue(answer.contains("\"status\":\"success\""), expr + ": " + answer);
            queries++;
        }
        assertTrue(queries >= 12, queries + " queries");
        assertTrue(prometheus.query("tiered_health{state=\"caching\"} == 1").contains("\"instance\""),
                "the health panel shows this JVM caching");
        assertTrue(prometheus.query("tiered_l1_max_entries{namespace=\"products\"} > 0").contains("\"products\""),
                "the L1 size panel has its bound");
    }

    @Test
    void anAlertFiresOnTheAgentsRealSeriesAndResolvesWhenTheCauseEnds() {
        assertFalse(prometheus.get("/api/v1/alerts").contains("TieredWritesRefused"), "quiet while Redis takes writes");
        redis.command("CONFIG", "SET", "min-replicas-to-write", "1"); // every write refused with NOREPLICAS
        try {
            Await.until("TieredWritesRefused and TieredL2Degraded to fire", WAIT, () -> {
                String alerts = prometheus.get("/api/v1/alerts");
                return firing(alerts, "TieredWritesRefused") && firing(alerts, "TieredL2Degraded");
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; alerts " + prometheus.get("/api/v1/alerts") + "; series "
                    + prometheus.query("{__name__=~\"tiered_writes_refused|tiered_health\"}") + "\n"
                    + app.transcript(), e);
        } finally {
            redis.command("CONFIG", "SET", "min-replicas-to-write", "0");
        }
        Await.until("the alerts to resolve", WAIT, () -> {
            String alerts = prometheus.get("/api/v1/alerts");
            return !alerts.contains("TieredWritesRefused") && !alerts.contains("TieredL2Degraded");
        });
    }

    /** Whether the answer of {@code /api/v1/alerts} has {@code name} firing: each alert starts with its labels. */
    private static boolean firing(String alerts, String name) {
        for (String alert : alerts.split("\\{\"labels\":")) {
            if (alert.contains("\"alertname\":\"" + name + "\"") && alert.contains("\"state\":\"firing\"")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> alerts() {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("- alert: (\\S+)").matcher(read("prometheus/tiered-alerts.yml"));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static String read(String file) {
        try {
            return Files.readString(ops(file));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
