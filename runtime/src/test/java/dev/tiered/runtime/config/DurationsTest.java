package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "500ms, PT0.5S",
            "30s, PT30S",
            "10m, PT10M",
            "2h, PT2H",
            "1d, PT24H",
            "PT10M, PT10M",
            "P1D, PT24H",
            "pt1.5s, PT1.5S",
            " 10m , PT10M"})
    void acceptsShortFormsAndIso8601(String text, String expected) {
        assertEquals(Duration.parse(expected), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "10 m", "10 minutes", "0s", "0ms", "-5s", "PT-1S", "PT0S", "5x", "m",
            "99999999999999999d", "P"})
    void rejectsAnythingElseWithTheAcceptedForm(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
        assertTrue(e.getMessage().contains(Durations.ACCEPTED_FORM), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    }

    @ParameterizedTest
    @CsvSource({"PT0.5S, 500ms", "PT1M, 1m", "PT90S, 90s", "PT48H, 2d", "PT1H, 1h", "PT0.0000001S, PT0.0000001S"})
    void formatsInTheShortestExactForm(String duration, String expected) {
        assertEquals(expected, Durations.format(Duration.parse(duration)));
    }
}
