package dev.tiered.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import dev.tiered.testkit.Await;
import dev.tiered.testkit.JvmProcess;
import dev.tiered.testkit.PrometheusServer;
import dev.tiered.testkit.RedisServer;

/**
 * The live dashboard ({@code GET /} on the metrics port) in a real headless browser, Debian's chromium driven through
 * its chromium-driver by Selenium: the page renders, its charts draw the running agent's data as it changes, and the
 * browser reports no error. It leaves a screenshot in {@code target/dashboard.png} (the README's is one).
 */
class DashboardIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final AgentJvms jvms = new AgentJvms();

    private static ChromeDriver browser() {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(PrometheusServer.onPath("chromedriver", "chromium-driver")))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(PrometheusServer.onPath("chromium", "chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1100");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        return new ChromeDriver(service, options);
    }

    @Test
    void thePageRendersTheAgentsLiveDataWithoutABrowserError() throws IOException {
        int port = RedisServer.freePort();
        JvmProcess app = jvms.withAgent("dashboard", "tiered.redis.uri=" + RedisServer.shared().uri(),
                "tiered.redis.keyPrefix=dashboard", "tiered.metrics.port=" + port);
        app.request("call update 95 ninety-five");
        for (int i = 0; i < 20; i++) {
            app.request("call find " + (95 + i % 4));
        }
        ChromeDriver driver = browser();
        try {
            driver.get("http://127.0.0.1:" + port + "/");
            JavascriptExecutor js = driver;
            // the hit-ratio chart draws one point per interval between samples: two points need three samples
            Await.until("the dashboard to chart the agent's calls", WAIT, () -> {
                app.request("call find 95");
                Object points = js.executeScript("var l = document.querySelector("
                        + "'[data-namespace=\"products\"] [data-chart=\"Hit ratio by tier\"] "
                        + "polyline[data-series=\"L1\"]');"
                        + "return l ? l.getAttribute('points').split(' ').length : 0;");
                return ((Number) points).intValue() >= 2;
            });
            assertEquals("caching", js.executeScript("return document.getElementById('jvm-health').textContent"));
            assertEquals("caching", js.executeScript("return document.querySelector("
                    + "'[data-namespace=\"products\"] h2 .badge').textContent"));
            String l1Legend = (String) js.executeScript("return document.querySelector('[data-namespace=\"products\"] "
                    + "[data-chart=\"L1 size against its bound\"] .legend').textContent");
            assertTrue(l1Legend.matches("entries [1-9]\\d* *bound [1-9]\\d*(\\.\\d)?k"), l1Legend);
            String hitLegend = (String) js.executeScript("return document.querySelector('[data-namespace=\"products\"] "
                    + "[data-chart=\"Hit ratio by tier\"] .legend').textContent");
            assertTrue(hitLegend.matches("L1 \\d+(\\.\\d)?% *L2 .*"), hitLegend);
            Number charts = (Number) js.executeScript("return document.querySelectorAll("
                    + "'[data-namespace=\"products\"] figure svg').length");
            assertEquals(8, charts.intValue(), "every chart of the namespace is drawn");
            assertTrue(((String) js.executeScript("return document.getElementById('status').textContent"))
                    .startsWith("updated "));

            assertEquals(List.of(), js.executeScript("return window.tieredErrors"), "errors the page caught");
            List<String> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::toString).toList();
            assertEquals(List.of(), severe, "the browser's console");

            Path shot = Path.of("target", "dashboard.png");
            Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
            assertTrue(Files.size(shot) > 10_000, "a screenshot with something on it");
        } finally {
            driver.quit();
        }
    }
}
