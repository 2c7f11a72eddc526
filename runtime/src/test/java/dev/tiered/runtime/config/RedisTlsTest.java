package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tiered.testkit.TlsFiles;

/**
 * {@code tiered.redis.trustStore} and {@code tiered.redis.keyStore}: stores are read when the settings are, and a
 * store that cannot be used is told in one line that names its property and why, never its password. The
 * connections made with them are tested against a real redis-server in the agent's {@code TlsIT}.
 */
class RedisTlsTest {
    private static final String URI = "rediss://localhost:6380";
    private static final String PASSWORD = "pw-Zq8-secret";

    @TempDir
    static Path dir;
    private static TlsFiles server;
    private static TlsFiles client;

    @BeforeAll
    static void stores() {
        server = TlsFiles.forLocalhost(dir);
        client = TlsFiles.forClient(dir, "client", PASSWORD);
    }

    private static TieredConfig config(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return TieredConfig.from(props, Map.of());
    }

    /** The one problem line, checked never to show the password. */
    private static String problem(TieredConfig c) {
        assertEquals(1, c.problems().size(), c.problems().toString());
        String line = c.problems().get(0);
        assertFalse(line.contains(PASSWORD) || line.contains("Zq8"), line);
        return line;
    }

    @Test
    void bothStoresAreReadAtStartUpAndNamedWithoutTheirPasswords() throws Exception {
        TieredConfig c = config("tiered.redis.uri", URI, "tiered.redis.trustStore", server.trustStore().toString(),
                "tiered.redis.trustStorePassword", server.password(), "tiered.redis.keyStore",
                client.keyStore().toString(), "tiered.redis.keyStorePassword", PASSWORD);
        assertEquals(List.of(), c.problems());
        assertTrue(c.redisTls().configured());
        assertTrue(c.summary().contains("trustStore=" + server.trustStore() + ", keyStore=" + client.keyStore()),
                c.summary());
        assertFalse(c.summary().contains(PASSWORD) || c.summary().contains(server.password()), c.summary());
        assertNotNull(c.redisTls().socketFactory());
    }

    @Test
    void aTrustStoreWhoseCertificatesNeedThePasswordSaysSo() {
        // keytool and KeyStore.store encrypt a PKCS12 store's certificates with its password
        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.trustStore",
                server.trustStore().toString()));
        assertTrue(line.contains("(it holds no certificate readable without a password)"), line);
    }

    @Test
    void aJksStoreIsReadAsWellAsPkcs12() throws Exception {
        Path jks = dir.resolve("client.jks");
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(client.keyStore())) {
            p12.load(in, PASSWORD.toCharArray());
        }
        KeyStore converted = KeyStore.getInstance("JKS");
        converted.load(null, null);
        converted.setKeyEntry("client", p12.getKey("client", PASSWORD.toCharArray()), PASSWORD.toCharArray(),
                p12.getCertificateChain("client"));
        try (OutputStream out = Files.newOutputStream(jks)) {
            converted.store(out, PASSWORD.toCharArray());
        }
        TieredConfig c = config("tiered.redis.uri", URI, "tiered.redis.keyStore", jks.toString(),
                "tiered.redis.keyStorePassword", PASSWORD);
        assertEquals(List.of(), c.problems());
        assertNotNull(c.redisTls().socketFactory());
    }

    @Test
    void aWrongPasswordIsToldOnItsStoreWithoutShowingIt() {
        TieredConfig c = config("tiered.redis.uri", URI, "tiered.redis.keyStore", client.keyStore().toString(),
                "tiered.redis.keyStorePassword", "not-" + PASSWORD);
        String line = problem(c);
        assertTrue(line.startsWith("property tiered.redis.keyStore = \"" + client.keyStore() + "\" is malformed "
                + "(the password does not open it); accepted: ") && line.endsWith("Using no client certificate."),
                line);
        assertFalse(c.redisTls().configured());
    }

    @Test
    void aKeyStoreWithoutAPasswordIsRefusedIfItNeedsOne() {
        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.keyStore", client.keyStore().toString()));
        assertTrue(line.contains("tiered.redis.keyStore") && line.contains("tiered.redis.keyStorePassword"), line);
    }

    @Test
    void aTrustStoreWithoutCertificatesIsRefused() throws Exception {
        Path empty = dir.resolve("empty.p12");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (OutputStream out = Files.newOutputStream(empty)) {
            store.store(out, PASSWORD.toCharArray());
        }
        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.trustStore", empty.toString(),
                "tiered.redis.trustStorePassword", PASSWORD));
        assertTrue(line.contains("(it holds no certificate to trust)")
                && line.endsWith("Using the JVM's default trust store."), line);
    }

    @Test
    void aKeyStoreWithoutAPrivateKeyIsRefused() {
        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.keyStore", server.trustStore().toString(),
                "tiered.redis.keyStorePassword", server.password()));
        assertTrue(line.contains("(it holds no private key)"), line);
    }

    @Test
    void aFileThatIsNoKeyStoreIsRefused() {
        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.trustStore",
                server.certificate().toString()));
        assertTrue(line.contains("(not a PKCS12 or JKS key store"), line);
    }

    @Test
    void storesWithoutRedissAndPasswordsWithoutStoresAreIgnoredAndSaidSo() {
        TieredConfig plain = config("tiered.redis.uri", "redis://localhost:6379", "tiered.redis.trustStore",
                server.trustStore().toString(), "tiered.redis.trustStorePassword", server.password(),
                "tiered.redis.keyStore", client.keyStore().toString(),
                "tiered.redis.keyStorePassword", PASSWORD);
        assertEquals(List.of(
                "property tiered.redis.trustStore is set without a rediss:// tiered.redis.uri, which it only serves; "
                        + "ignored.",
                "property tiered.redis.keyStore is set without a rediss:// tiered.redis.uri, which it only serves; "
                        + "ignored."), plain.problems());
        assertFalse(plain.redisTls().configured());

        String line = problem(config("tiered.redis.uri", URI, "tiered.redis.trustStorePassword", PASSWORD));
        assertEquals("property tiered.redis.trustStorePassword is set without tiered.redis.trustStore, which it only "
                + "serves; ignored.", line);
    }

    @Test
    void aPasswordMayComeFromTheEnvironment() {
        TieredConfig c = TieredConfig.from(Map.of("tiered.redis.uri", URI, "tiered.redis.keyStore",
                client.keyStore().toString()), Map.of("TIERED_REDIS_KEYSTOREPASSWORD", PASSWORD));
        assertEquals(List.of(), c.problems());
        assertTrue(c.redisTls().configured());
    }
}
