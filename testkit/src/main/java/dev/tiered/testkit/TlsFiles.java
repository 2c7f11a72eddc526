package dev.tiered.testkit;

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
 * holding the certificate for a JVM (its {@code javax.net.ssl.trustStore}, or tiered's own
 * {@code tiered.redis.trustStore}), and the PKCS12 key store keytool made, which holds the key and certificate.
 */
public record TlsFiles(Path certificate, Path key, Path trustStore, Path keyStore, String password) {
    private static final String PASSWORD = "changeit";

    /** A server identity for {@code localhost}: the certificate a Redis server presents. */
    public static TlsFiles forLocalhost(Path dir) {
        return make(dir, "redis", "CN=localhost", "san=dns:localhost", PASSWORD);
    }

    /**
     * A client identity named {@code name}, its stores protected by {@code password}: the key store a JVM presents
     * with {@code tiered.redis.keyStore}, and the certificate alone, for a server's {@code tls-ca-cert-file}.
     */
    public static TlsFiles forClient(Path dir, String name, String password) {
        return make(dir, name, "CN=" + name, "eku=clientAuth", password);
    }

    private static TlsFiles make(Path dir, String name, String dname, String extension, String password) {
        Path keyStore = dir.resolve(name + ".p12");
        keytool("-genkeypair", "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", password,
                "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", dname, "-ext", extension, "-validity", "2");
        try {
            KeyStore own = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keyStore)) {
                own.load(in, password.toCharArray());
            }
            Certificate certificate = own.getCertificate(name);
            PrivateKey key = (PrivateKey) own.getKey(name, password.toCharArray());
            TlsFiles files = new TlsFiles(dir.resolve(name + ".crt"), dir.resolve(name + ".key"),
                    dir.resolve(name + "-trust.p12"), keyStore, password);
            Files.writeString(files.certificate(), pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(files.key(), pem("PRIVATE KEY", key.getEncoded())); // PKCS#8
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(name, certificate);
            try (OutputStream out = Files.newOutputStream(files.trustStore())) {
                trust.store(out, password.toCharArray());
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key store keytool wrote", e);
        }
    }

    /** Every file made. */
    public List<Path> files() {
        return List.of(certificate, key, trustStore, keyStore);
    }

    /** The system properties that make a JVM's default SSL context trust this certificate, as key=value. */
    public List<String> trustProperties() {
        return List.of("javax.net.ssl.trustStore=" + trustStore, "javax.net.ssl.trustStoreType=PKCS12",
                "javax.net.ssl.trustStorePassword=" + password);
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
