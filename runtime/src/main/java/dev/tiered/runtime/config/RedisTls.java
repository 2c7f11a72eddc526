package dev.tiered.runtime.config;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Collections;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The trust store and key store tiered's own connections to Redis use for {@code rediss://}, instead of the JVM-wide
 * {@code javax.net.ssl.*} ones: the certificates it trusts (the Redis server's or its CA's) and the certificate it
 * presents when Redis asks for one ({@code tls-auth-clients yes}). Either may be absent: the JVM's default trust,
 * and no client certificate. Both stores are read once, when the settings are read, so that a wrong path or password
 * is reported at start-up, naming the property, rather than as a failed connection later.
 */
public final class RedisTls {
    /** What a store property accepts, for the one-line problem report. */
    static final String STORE_FORM = "the path of a readable PKCS12 or JKS file";

    private final KeyStore trust;
    private final Path trustPath;
    private final KeyStore keys;
    private final Path keysPath;
    private final char[] keyPassword;

    private RedisTls(KeyStore trust, Path trustPath, KeyStore keys, Path keysPath, char[] keyPassword) {
        this.trust = trust;
        this.trustPath = trustPath;
        this.keys = keys;
        this.keysPath = keysPath;
        this.keyPassword = keyPassword;
    }

    /** Settings with neither store: connections use the JVM's default SSL context. */
    static final RedisTls DEFAULT = new RedisTls(null, null, null, null, null);

    /**
     * These settings with the trust store at {@code path}.
     *
     * @throws Unusable if it cannot be read, or holds no certificate
     */
    RedisTls withTrust(Path path, char[] password) {
        return new RedisTls(readTrustStore(path, password), path, keys, keysPath, keyPassword);
    }

    /**
     * These settings with the key store at {@code path}.
     *
     * @throws Unusable if it cannot be read, or does not hold exactly one private key readable with the password
     */
    RedisTls withKeys(Path path, char[] password) {
        return new RedisTls(trust, trustPath, readKeyStore(path, password), path, password);
    }

    /** Whether either store is set: otherwise Jedis uses the JVM's default SSL context. */
    public boolean configured() {
        return trust != null || keys != null;
    }

    /**
     * Reads a trust store: it must open (with the password, if given) and hold at least one certificate.
     *
     * @throws Unusable naming what is wrong, without the password
     */
    private static KeyStore readTrustStore(Path path, char[] password) {
        KeyStore store = open(path, password);
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isCertificateEntry(alias) || store.getCertificate(alias) != null) {
                    return store;
                }
            }
        } catch (KeyStoreException e) {
            throw new Unusable("unreadable: " + e.getMessage());
        }
        // a PKCS12 store encrypts its certificates too, unless made otherwise: without the password none shows
        throw new Unusable(password == null ? "it holds no certificate readable without a password"
                : "it holds no certificate to trust");
    }

    /**
     * Reads a key store: it must open with the password and hold exactly one private key, readable with the same
     * password (the client certificate presented to Redis).
     *
     * @throws Unusable naming what is wrong, without the password
     */
    private static KeyStore readKeyStore(Path path, char[] password) {
        KeyStore store = open(path, password);
        int keys = 0;
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keys++;
                    store.getKey(alias, password == null ? new char[0] : password);
                }
            }
        } catch (UnrecoverableKeyException e) {
            throw new Unusable("its private key cannot be read with the key store's password");
        } catch (GeneralSecurityException e) {
            throw new Unusable("unreadable: " + e.getMessage());
        }
        if (keys != 1) {
            throw new Unusable(keys == 0 ? "it holds no private key" : "it holds " + keys
                    + " private keys; Redis would be shown any one of them");
        }
        return store;
    }

    private static KeyStore open(Path path, char[] password) {
        if (!Files.isRegularFile(path)) {
            throw new Unusable("no such file");
        }
        if (!Files.isReadable(path)) {
            throw new Unusable("not readable by this process");
        }
        try {
            File file = path.toFile();
            return KeyStore.getInstance(file, password); // PKCS12 or JKS, whichever the file is
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new Unusable("the password does not open it");
            }
            throw new Unusable("not a PKCS12 or JKS key store, or the password does not open it");
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new Unusable("not a PKCS12 or JKS key store");
        }
    }

    /**
     * The socket factory for tiered's connections; Jedis still checks the server's host name against the URI's.
     */
    public SSLSocketFactory socketFactory() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust); // null: the JVM's default trust
        KeyManagerFactory kmf = null;
        if (keys != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, keyPassword == null ? new char[0] : keyPassword);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    /** For the start-up line: the stores' paths, never a password. */
    @Override
    public String toString() {
        return (trustPath == null ? "" : "trustStore=" + trustPath) + (trustPath != null && keysPath != null ? ", "
                : "") + (keysPath == null ? "" : "keyStore=" + keysPath);
    }

    /** A store that cannot be used, and why (never with the password). */
    static final class Unusable extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Unusable(String why) {
            super(why);
        }
    }
}
