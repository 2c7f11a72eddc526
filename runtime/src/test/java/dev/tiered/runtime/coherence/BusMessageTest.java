package dev.tiered.runtime.coherence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What tiered JVMs send is read; anything else is refused with the reason, never adopted. */
class BusMessageTest {
    @Test
    void theMessagesTieredSendsAreRead() {
        assertEquals(new BusMessage("catalog", 1796403786445105L, "0a1b2c3d", 17L, BusMessage.Kind.BUMP, null),
                BusMessage.parse("catalog 1796403786445105 0a1b2c3d 17 bump"));
        assertEquals(BusMessage.Kind.RESET, BusMessage.parse("catalog 5 0a1b2c3d 17 reset").kind());
        assertEquals(new BusMessage("com.acme.Repo", 9, "0a1b2c3d", 17L, BusMessage.Kind.KEY, "\"a b\""),
                BusMessage.parse("com.acme.Repo 9 0a1b2c3d 17 key \"a b\""), "an entity may hold spaces");
        assertEquals(BusMessage.Kind.PROBE, BusMessage.parse(BusMessage.probe("0a1b2c3d", 17)).kind());
        assertEquals(BusMessage.MAX_VERSION, BusMessage.parse("c 9007199254740991 0a1b2c3d 1 bump").version());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "c 9007199254740992 0a1b2c3d 1 bump | outside 1 to 2^53 - 1",
            "c 9223372036854775807 0a1b2c3d 1 bump | outside 1 to 2^53 - 1",
            "c 0 0a1b2c3d 1 bump | outside 1 to 2^53 - 1",
            "c -5 0a1b2c3d 1 reset | outside 1 to 2^53 - 1",
            "c 99999999999999999999 0a1b2c3d 1 bump | version is not a whole number",
            "c 5 somebody 1 bump | origin is not 8 hex digits",
            "c 5 0A1B2C3D 1 bump | origin is not 8 hex digits",
            "c 5 0a1b2c3d yesterday bump | time is not a whole number",
            "c:x 5 0a1b2c3d 1 bump | namespace is malformed",
            "c 5 0a1b2c3d 1 flush | kind \"flush\" is unknown",
            "c 5 0a1b2c3d 1 key | names no entity",
            "c 5 0a1b2c3d 1 bump extra | extra parts",
            "c 5 0a1b2c3d | 3 of the 5 parts"})
    void anythingElseIsRefusedWithTheReason(String message, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BusMessage.parse(message));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
