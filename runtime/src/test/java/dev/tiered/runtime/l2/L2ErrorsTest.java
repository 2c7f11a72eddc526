package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/** A Redis that answered with an error refused the write; one that did not answer is the breaker's and the bus's. */
class L2ErrorsTest {
    @Test
    void anErrorReplyIsARefusalToldByWhatRedisAnswered() {
        // MISCONF is hard to provoke here (root writes anywhere, and `dir` is protected): its reply as Redis 7 sends it
        String misconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
                + "disk. Commands that may modify the data set are disabled, because this instance is configured to "
                + "report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please "
                + "check the Redis logs for details about the RDB error.";
        assertEquals(misconf, L2Errors.refusal(new JedisDataException(misconf + " script: 89652c5c38248e03af048d6ab3"
                + "3f346a2bfea788, on @user_script:2.")));
        assertEquals("OOM command not allowed when used memory > 'maxmemory'.", L2Errors.refusal(
                new JedisDataException("OOM command not allowed when used memory > 'maxmemory'.")));
        assertEquals("NOREPLICAS Not enough good replicas to write.", L2Errors.refusal(
                new JedisDataException("NOREPLICAS Not enough good replicas to write. script: 174d081aab568e4ce08d9e36"
                        + "04bc0cf7f7d01a2e, on @user_script:30.")));
    }

    @Test
    void notAnsweringIsNoRefusal() {
        assertNull(L2Errors.refusal(new JedisConnectionException(new ConnectException("Connection refused"))));
        assertNull(L2Errors.refusal(new JedisConnectionException(new SocketTimeoutException("Read timed out"))));
        assertNull(L2Errors.refusal(CircuitBreaker.OpenException.INSTANCE));
        assertNull(L2Errors.refusal(new JedisNoScriptException("NOSCRIPT No matching script")), "sent again, whole");
        assertNull(L2Errors.refusal(new JedisAccessControlException("WRONGPASS invalid username-password pair or user "
                + "is disabled.")), "a connection refused: the bus says so");
    }

    @Test
    void aBumpNoReplicaConfirmedIsNeitherARefusalNorATimeout() {
        // Redis took it: the bump is sent again, but the JVM is not cut off as if Redis refused writes
        Redis.UnreplicatedException e = new Redis.UnreplicatedException("no replica confirmed the bump within 50 ms");
        assertNull(L2Errors.refusal(e));
        assertFalse(L2Errors.timedOut(e));
    }
}
