package dev.tiered.runtime.coherence;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisDataException;

import dev.tiered.runtime.l2.Redis;
import dev.tiered.runtime.stats.FaultReporter;

/**
 * Receives every JVM's invalidation messages over one Redis pub/sub connection, and knows whether it is healthy.
 *
 * <p>The connection is proven alive by a {@code PING} every heartbeat. Jedis reads a subscription without a
 * timeout, so the heartbeat itself closes a connection that has been silent for three heartbeats (a dead peer, a
 * stalled server, a black hole), and one that has not subscribed within three heartbeats of connecting; its read
 * then fails even though no peer closed the socket. The bus then reconnects with backoff; once subscribed again it
 * reports {@link Listener#connected()}, and {@link Versions}
 * resynchronises every namespace's version, because messages sent in between are lost.
 *
 * <p>A message is {@code "<namespace> <version> <origin> <sentAtMicros> <kind>"} ({@link BusMessage}): the origin
 * identifies the sending JVM (so that a JVM can tell its own bumps from others'), the time lets receivers measure
 * propagation lag, and the kind tells an invalidation ({@code bump}) from a version that was started or raised
 * ({@code reset}), from a keyed invalidation ({@code key}, followed by the encoded entity) and from a JVM's proof
 * that Redis takes its writes ({@code probe}). A message that is none of these is refused.
 */
final class InvalidationBus implements AutoCloseable {
    interface Listener {
        /** Subscribed: from now on no message is missed. Called on the bus thread. */
        void connected();

        /**
         * A namespace moved to {@code version}: bumped by an invalidation ({@code bump}), or started or raised
         * after Redis lost data (not a bump), by the JVM {@code origin} at {@code sentAtMicros} (its clock,
         * microseconds since the epoch).
         * Called on the bus thread.
         */
        void message(String namespace, long version, boolean bump, String origin, long sentAtMicros);

        /** One entity of a namespace was invalidated by the JVM {@code origin}. Called on the bus thread. */
        void entity(String namespace, String entity, String origin, long sentAtMicros);

        /** The subscription ended; messages may be missed until {@link #connected()}. */
        void lost(Exception cause);

        /** A message that no tiered JVM sends, and {@code why}: ignored. Called on the bus thread. */
        void rejected(String message, String why);
    }

    private static final Logger LOG = FaultReporter.LOG;

    private final Redis redis;
    private final Duration heartbeat;
    private final Listener listener;
    private final Thread thread;
    private final ScheduledFuture<?> pinger;
    private volatile boolean closed;
    private volatile boolean connected;
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile Subscription subscription;
    /** The connection being subscribed or subscribed, and when it was opened. */
    private volatile Jedis current;
    private volatile long connectedAtNanos = System.nanoTime();
    /** Since when the bus is not subscribed (epoch milliseconds): its start, or when it was last lost. */
    private volatile long downSinceMillis = System.currentTimeMillis();
    /** Why the last connection failed or ended, for an operator; {@code null} before any failure. */
    private volatile String lastFailure;
    private volatile boolean everSubscribed;

    InvalidationBus(Redis redis, Duration heartbeat, Listener listener, ScheduledExecutorService scheduler) {
        this.redis = redis;
        this.heartbeat = heartbeat;
        this.listener = listener;
        this.thread = new Thread(this::run, "tiered-invalidation-bus");
        this.thread.setDaemon(true);
        this.thread.start();
        long period = heartbeat.toMillis();
        this.pinger = scheduler.scheduleWithFixedDelay(this::ping, period, period, TimeUnit.MILLISECONDS);
    }

    boolean connected() {
        return connected;
    }

    /** Since when the bus is not subscribed, in milliseconds since the epoch; meaningless while it is. */
    long downSinceMillis() {
        return downSinceMillis;
    }

    /** Why the last connection failed or ended ({@code null} before any did). */
    String lastFailure() {
        return lastFailure;
    }

    /** Whether the bus was ever subscribed. */
    boolean everSubscribed() {
        return everSubscribed;
    }

    /** When the bus last had proof that it was receiving (a subscription, a message or a pong). */
    long lastHeardNanos() {
        return lastHeardNanos;
    }

    private void run() {
        long backoffMillis = 50;
        String reported = null;
        while (!closed) {
            Exception cause = null;
            try (Jedis jedis = redis.dedicatedConnection(heartbeat.multipliedBy(3))) {
                connectedAtNanos = System.nanoTime();
                current = jedis;
                Subscription s = new Subscription();
                subscription = s;
                jedis.subscribe(s, redis.channel());
            } catch (Exception e) {
                cause = e;
            }
            current = null;
            subscription = null;
            if (cause != null && !closed) {
                lastFailure = describe(cause);
            }
            if (connected) {
                downSinceMillis = System.currentTimeMillis();
                connected = false;
                everSubscribed = true;
                reported = null;
                backoffMillis = 50;
                listener.lost(cause);
            } else if (cause != null && !closed && (!everSubscribed || cause instanceof JedisDataException)) {
                reported = reportFailure(cause, reported);
            }
            if (!closed) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMillis));
                // at most a heartbeat (and a second) apart: a Redis that is back is found in about that time
                backoffMillis = Math.min(backoffMillis * 2, Math.min(1000, Math.max(50, heartbeat.toMillis())));
            }
        }
    }

    /**
     * Logs why the bus cannot subscribe, unless that reason was the last one logged: before its first subscription
     * (nothing else would say why L2 stays unused), and whenever Redis itself refuses it (a wrong password, an ACL
     * without the channel), which retrying alone never mends. Returns the reason now logged.
     */
    private String reportFailure(Exception cause, String reported) {
        String reason = describe(cause);
        if (!reason.equals(reported)) {
            String line = "invalidation bus cannot subscribe to " + redis.channel() + " on " + redis.endpoint() + " ("
                    + reason + "); it keeps trying";
            if (LOG.isDebugEnabled()) {
                LOG.warn(line, cause);
            } else {
                LOG.warn(line);
            }
        }
        return reason;
    }

    /**
     * A failure and its root cause in one line: "Failed to create socket." alone would hide a refused certificate,
     * "Failed to connect to host:port." a refused connection.
     */
    private static String describe(Exception cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root.getSuppressed().length > 0) {
            root = root.getSuppressed()[0]; // Jedis keeps why each address of a host failed there
        }
        return root == cause ? cause.toString() : cause + ", caused by " + root;
    }

    private void ping() {
        Jedis jedis = current;
        long silentNanos = System.nanoTime() - Math.max(lastHeardNanos, connectedAtNanos);
        if (jedis != null && silentNanos > 3 * heartbeat.toNanos()) {
            try {
                jedis.disconnect(); // the bus thread's endless read fails, and it reconnects
            } catch (RuntimeException alreadyBroken) {
                // the bus thread sees it
            }
            return;
        }
        Subscription s = subscription;
        if (s != null && s.isSubscribed()) {
            try {
                s.ping();
            } catch (RuntimeException e) {
                // the bus thread sees the broken connection on its next read
            }
        }
    }

    private void heard() {
        lastHeardNanos = System.nanoTime();
    }

    private final class Subscription extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            heard();
            connected = true;
            listener.connected();
        }

        @Override
        public void onMessage(String channel, String message) {
            heard();
            BusMessage m;
            try {
                m = BusMessage.parse(message);
            } catch (IllegalArgumentException e) {
                listener.rejected(message, e.getMessage());
                return;
            }
            switch (m.kind()) {
                case KEY -> listener.entity(m.namespace(), m.entity(), m.origin(), m.sentAtMicros());
                case BUMP, RESET -> listener.message(m.namespace(), m.version(), m.kind() == BusMessage.Kind.BUMP,
                        m.origin(), m.sentAtMicros());
                case PROBE -> {
                    // proof that the channel carries messages; nothing to apply
                }
            }
        }

        @Override
        public void onPong(String pattern) {
            heard();
        }
    }

    @Override
    public void close() {
        closed = true;
        pinger.cancel(false);
        Subscription s = subscription;
        if (s != null) {
            try {
                s.unsubscribe();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        thread.interrupt();
    }
}
