package dev.tiered.runtime.l2;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.tiered.runtime.config.L2Encoding;
import dev.tiered.runtime.l1.Entry;
import dev.tiered.runtime.l1.Keys;
import dev.tiered.runtime.stats.MethodStats;

/**
 * One cached method's way into L2: its keys, its codec, and reads, writes and leases against Redis, each counted
 * against the method. Thread-safe. Never throws because Redis, a key argument or the codec failed: a failed read is
 * a miss ({@code null}), a failed write or release is counted and reported.
 *
 * <p>An entry is stored as its stamp (8 bytes: the version of its entity, or of its shard of the namespace
 * ({@link NamespaceKeys#owner}), when it was computed) followed by the codec's envelope; a read returns it only if
 * the stamp equals that version now.
 */
public final class MethodL2 {
    /** Bytes before the codec's envelope in an L2 value: the stamp the value was computed under. */
    public static final int STAMP_BYTES = 8;
    /** The entity version in Redis is not known: the result is not written to L2. */
    public static final long NO_STAMP = Long.MIN_VALUE;

    /**
     * What a read found: the decoded entry ({@link Entry#NULL} for a cached {@code null}; {@code null} when there is
     * none that is current), how long it has left to live, the stamp a result computed now must be written with, and
     * the lease this read took to compute it ({@code null} if none).
     */
    public record Read(Object value, long ttlMillis, long stamp, String leaseToken) {}

    private final L2 l2;
    private final NamespaceKeys keys;
    private final String name;
    private final KeyEncoder encoder;
    private final int arity;
    private final MethodStats stats;
    private final Callable<Method> method;
    private volatile Object codec; // ValueCodec, or the String reason why there is none

    /**
     * @param method resolves the cached method by reflection, for its codec; on first use, since that loads classes
     */
    public MethodL2(L2 l2, NamespaceKeys keys, String name, KeyEncoder encoder, int arity, MethodStats stats,
                    Callable<Method> method) {
        this.l2 = l2;
        this.keys = keys;
        this.name = name;
        this.encoder = encoder;
        this.arity = arity;
        this.stats = stats;
        this.method = method;
    }

    /**
     * Reads the entry of an L1 key computed under the namespace's {@code version}, and takes the lease to compute it
     * if it is absent. If another JVM holds the lease and {@code mayWait}, waits briefly (at most
     * {@code tiered.stampede.lease}) for its result rather than computing it too. {@code null} (counted) if Redis
     * failed or the key cannot be encoded.
     */
    public Read read(Object key, long version, String entity, Duration ttl, boolean mayWait) {
        Redis.Fetched fetched = fetch(key, version, entity, ttl, 0);
        if (fetched == null) {
            return null;
        }
        if (fetched.value() == null && !fetched.leased() && mayWait) {
            long deadline = System.nanoTime() + l2.config().stampedeLease().toNanos();
            long pauseMillis = 2;
            while (fetched.value() == null && !fetched.leased() && System.nanoTime() < deadline) {
                if (!pause(pauseMillis)) {
                    break;
                }
                pauseMillis = Math.min(pauseMillis * 2, 50);
                Redis.Fetched next = fetch(key, version, entity, ttl, 0);
                if (next == null) {
                    break; // what the last answer said stands: the stamp, and no lease
                }
                fetched = next;
            }
            Object value = fetched.value() == null ? null : decode(fetched);
            if (value != null) {
                stats.leaseWaits.increment();
            }
            return read(fetched, value);
        }
        return read(fetched, fetched.value() == null ? null : decode(fetched));
    }

    /**
     * For a refresh of an entry that lives {@code refreshBelowMillis} or less: reads the L2 entry, and takes the lease
     * to recompute it unless it lives longer than that (another JVM refreshed it) or another JVM holds the lease.
     */
    public Read readForRefresh(Object key, long version, String entity, Duration ttl, long refreshBelowMillis) {
        Redis.Fetched fetched = fetch(key, version, entity, ttl, refreshBelowMillis);
        if (fetched == null) {
            return null;
        }
        return read(fetched, fetched.value() == null || fetched.leased() ? null : decode(fetched));
    }

    private Read read(Redis.Fetched fetched, Object value) {
        return new Read(value, fetched.ttlMillis(), fetched.stamp(), fetched.leased() ? fetched.token() : null);
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * One round trip: the entry, the version its stamp must match (made fresh if Redis holds none), and the lease if
     * the entry is absent or, for a refresh, has less than {@code refreshBelowMillis} left. {@code null} (counted) if
     * Redis failed.
     */
    private Redis.Fetched fetch(Object key, long version, String entity, Duration ttl, long refreshBelowMillis) {
        String args = arguments(key);
        if (args == null || codec() == null) {
            return null;
        }
        String token = l2.redis().leaseToken();
        long started = System.nanoTime();
        try {
            String owner = NamespaceKeys.owner(entity, name, args);
            Redis.Fetched fetched = l2.redis().get(keys.entry(owner, version, name, args), keys.entity(owner),
                    keys.lease(owner, version, name, args), l2.config().stampedeLease().toMillis(), token,
                    refreshBelowMillis, versionLifetime(ttl));
            stats.l2Times.record(System.nanoTime() - started);
            return fetched;
        } catch (RuntimeException e) {
            l2.errors().failed(stats, e);
            return null;
        }
    }

    /** The value of a fetched entry, or {@code null} if it is not current (its stamp is old) or cannot be decoded. */
    private Object decode(Redis.Fetched fetched) {
        byte[] stored = fetched.value();
        Object value;
        try {
            if (stored.length < STAMP_BYTES) {
                throw new ValueCodec.DecodeException("too short to hold a stamp");
            }
            if (ByteBuffer.wrap(stored).getLong() != fetched.stamp()) {
                return null; // written before a later write to its entity: unreachable, like an old version
            }
            value = codec().decode(Arrays.copyOfRange(stored, STAMP_BYTES, stored.length));
        } catch (ValueCodec.DecodeException e) {
            stats.decodeFailures.increment();
            l2.faults().debug("decode:" + name, "an L2 value of " + name + " could not be decoded and was "
                    + "treated as a miss: " + e.getMessage());
            return null;
        }
        return value == null ? Entry.NULL : value;
    }

    /**
     * How long a version key must be kept once it is stamped on entries that live {@code ttl}: a minute longer than
     * they, and a day at least, so that one read of a seldom-written entity does not make its version key anew.
     */
    public static long versionLifetime(Duration ttl) {
        return Math.max(TimeUnit.DAYS.toMillis(1), ttl.toMillis() + TimeUnit.MINUTES.toMillis(1));
    }

    /**
     * Writes a result of {@code entity} computed under the namespace's {@code version} and {@code stamp}, behind the
     * call, and gives back {@code leaseToken}'s lease; only gives back the lease if the result cannot be stored
     * (counted). Redis stores it only if the stamp is still current.
     */
    public void write(Object key, long version, String entity, long stamp, String leaseToken, Object value,
                      Duration ttl) {
        String args = arguments(key);
        ValueCodec codec = codec();
        if (args == null || codec == null) {
            stats.notStored.increment();
            release(key, version, entity, leaseToken);
            return;
        }
        byte[] envelope;
        try {
            envelope = codec.encode(value);
        } catch (ValueCodec.NotStorableException e) {
            stats.notStored.increment();
            l2.faults().warn("store:" + name, "a result of " + name + " was not stored in L2: " + e.getMessage()
                    + ".");
            release(key, version, entity, leaseToken);
            return;
        }
        byte[] stored = ByteBuffer.allocate(STAMP_BYTES + envelope.length).putLong(stamp).put(envelope).array();
        String owner = NamespaceKeys.owner(entity, name, args);
        l2.write(new Redis.Store(keys.entry(owner, version, name, args), stored, ttl.toMillis(),
                keys.lease(owner, version, name, args), leaseToken == null ? "" : leaseToken, keys.entity(owner), stamp,
                versionLifetime(ttl)), stats);
    }

    /**
     * Gives back a lease this call held without storing a result, so that other JVMs need not wait for it: behind
     * the call, like a write. Nothing for a {@code null} token.
     */
    public void release(Object key, long version, String entity, String leaseToken) {
        String args = leaseToken == null ? null : arguments(key);
        if (args != null) {
            l2.release(keys.lease(NamespaceKeys.owner(entity, name, args), version, name, args), leaseToken, stats);
        }
    }

    /** Waits until the runtime's results queued for L2 are written; {@code false} if that took too long. */
    public boolean awaitWrites(Duration timeout) throws InterruptedException {
        return l2.awaitWrites(timeout);
    }

    /**
     * The argument part of an entry's Redis key, or {@code null} (counted, logged) when an argument cannot be
     * encoded.
     */
    private String arguments(Object key) {
        try {
            return encoder.arguments(Keys.arguments(key, arity));
        } catch (KeyEncoder.EncodingException e) {
            l2.faults().warn("key:" + name, "a call of " + name + " skipped L2: " + e.getMessage() + ".");
            return null;
        }
    }

    /** The codec, built on first use; {@code null} (logged once) if the method cannot be resolved. */
    ValueCodec codec() {
        Object c = codec;
        if (c instanceof ValueCodec) {
            return (ValueCodec) c;
        }
        if (c != null) {
            return null;
        }
        synchronized (this) {
            if (codec == null) {
                try {
                    L2Encoding encoding = l2.config().namespace(keys.name()).codec();
                    codec = ValueCodec.of(method.call(), l2.config().codecAllow(), l2.config().l2MaxValueBytes(),
                            encoding != null ? encoding : l2.config().codec());
                } catch (Exception | LinkageError e) {
                    codec = e.toString();
                    stats.faults.increment();
                    l2.faults().warn("codec:" + name, name + " uses L1 only: its return type cannot be "
                            + "inspected (" + e + ").");
                }
            }
            return codec instanceof ValueCodec ? (ValueCodec) codec : null;
        }
    }
}
