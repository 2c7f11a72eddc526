package dev.tiered.runtime.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void labelValuesEscapeBackslashQuoteAndLineFeedOnly() {
        assertEquals("shop.products-v2$eu_1", PrometheusText.escapeLabel("shop.products-v2$eu_1"));
        assertEquals("a\\\\b\\\"c\\nd\te", PrometheusText.escapeLabel("a\\b\"c\nd\te"));
        assertEquals("ünïcødé", PrometheusText.escapeLabel("ünïcødé"));
    }

    @Test
    void helpTextsEscapeBackslashAndLineFeedButNotQuotes() {
        assertEquals("say \"hi\" \\\\ twice\\nthen stop", PrometheusText.escapeHelp("say \"hi\" \\ twice\nthen stop"));
    }

    @Test
    void numbersAreWrittenAsPrometheusReadsThem() {
        assertEquals("NaN", PrometheusText.number(Double.NaN));
        assertEquals("+Inf", PrometheusText.number(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PrometheusText.number(Double.NEGATIVE_INFINITY));
        assertEquals("0", PrometheusText.number(0));
        assertEquals("0", PrometheusText.number(-0.0));
        assertEquals("1234567", PrometheusText.number(1_234_567));
        assertEquals("-3", PrometheusText.number(-3));
        assertEquals("123456789012345", PrometheusText.number(123_456_789_012_345L));
    }

    @Test
    void fractionsArePlainAndExactlyRoundTrip() {
        assertEquals("0.5", PrometheusText.number(0.5));
        assertEquals("0.000012", PrometheusText.number(12e-6));
        assertEquals("0.001048575", PrometheusText.number(1048575 / 1e9));
        assertEquals("1.0E-12", PrometheusText.number(1e-12));
        assertEquals("1.0E20", PrometheusText.number(1e20));
        for (double d : new double[] {0.1, 1 / 3.0, 123.456, 2.5e-9, 0.001048575, 1e-12, 1e20}) {
            assertEquals(d, Double.parseDouble(PrometheusText.number(d)), String.valueOf(d));
        }
    }

    @Test
    void aFamilyIsAnnouncedThenItsSamplesFollow() {
        String text = new PrometheusText()
                .family("tiered_hits_total", "counter", "Calls served\nfrom a tier.")
                .sample("tiered_hits_total", 3, "namespace", "a\"b", "tier", "l1")
                .sample("tiered_up", 1)
                .toString();
        assertEquals("# HELP tiered_hits_total Calls served\\nfrom a tier.\n"
                + "# TYPE tiered_hits_total counter\n"
                + "tiered_hits_total{namespace=\"a\\\"b\",tier=\"l1\"} 3\n"
                + "tiered_up 1\n", text);
    }
}
