package dev.tiered.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} (and no other name or address), made at test time with the JDK's
 * own {@code keytool}, in the forms each side wants: PEM certificate and key for redis-server, a PKCS12 trust store
 * holding the certificate for a JVM's {@code javax.net.ssl.trustStore}.
 */
record TlsFiles(Path certificate, Path key, Path trustStore, String trustStorePassword) {
    private static final String PASSWORD = "changeit";

    static TlsFiles forLocalhost(Path dir) {
        Path keyStore = dir.resolve("server.p12");
        keytool("-genkeypair", "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-alias", "redis", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost", "-validity", "2");
        try {
            KeyStore server = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                server.load(in, PASSWORD.toCharArray());
            }
            Certificate certificate = server.getCertificate("redis");
            PrivateKey key = (PrivateKey) server.getKey("redis", PASSWORD.toCharArray());
            TlsFiles files = new TlsFiles(dir.resolve("redis.crt"), dir.resolve("redis.key"),
                    dir.resolve("truststore.p12"), PASSWORD);
            Files.writeString(files.certificate(), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(files.key(), pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("redis", certificate);
            try (OutputStream out = Files.newOutputStream(files.trustStore())) {
                trust.store(out, PASSWORD.toCharArray());
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key store keytool wrote", e);
        }
    }

    /** The system properties that make a JVM's default SSL context trust this certificate, as key=value. */
    List<String> trustProperties() {
        return List.of("javax.net.ssl.trustStore=" + trustStore, "javax.net.ssl.trustStoreType=PKCS12",
                "javax.net.ssl.trustStorePassword=" + trustStorePassword);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
