package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BytesTest {
    @ParameterizedTest
    @CsvSource({"0, 0", "65536, 65536", "512KB, 524288", "512 kb, 524288", "64M, 67108864", "64MiB, 67108864",
            "1GB, 1073741824", "3g, 3221225472", "100b, 100"})
    void parsesPlainBytesAndBinaryUnits(String text, long bytes) {
        assertEquals(bytes, Bytes.parse(text, 0, Long.MAX_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MB", "-1", "1.5MB", "1TB", "ten", "99999999999999999999", "9223372036854775807GB"})
    void rejectsWhatIsNotASizeWithTheAcceptedForm(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Bytes.parse(text, 0, Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"63, 64, 1024", "2KB, 64, 1024"})
    void rejectsSizesOutOfRange(String text, long min, long max) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bytes.parse(text, min, max));
        assertTrue(e.getMessage().contains("from 64 to 1KB"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"67108864, 64MB", "1000, 1000", "1536, 1536", "2048, 2KB", "0, 0"})
    void formatsTheShortestExactForm(long bytes, String text) {
        assertEquals(text, Bytes.format(bytes));
    }
}
