package dev.tiered.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisEndpointTest {

    @Test
    void parsesHostPortDatabaseAndDefaults() {
        RedisEndpoint e = RedisEndpoint.parse("redis://cache.internal:6380/2");
        assertEquals("cache.internal", e.host());
        assertEquals(6380, e.port());
        assertEquals(2, e.database());
        assertFalse(e.tls());
        assertNull(e.user());
        assertNull(e.password());
        assertEquals(6379, RedisEndpoint.parse("redis://localhost").port());
    }

    @Test
    void parsesAclCredentialsAndTls() {
        RedisEndpoint e = RedisEndpoint.parse("rediss://app:s%40cr%3Aet@redis.example:6390");
        assertTrue(e.tls());
        assertEquals("app", e.user());
        assertEquals("s@cr:et", e.password());
        RedisEndpoint defaultUser = RedisEndpoint.parse("redis://:hunter2@localhost");
        assertNull(defaultUser.user());
        assertEquals("hunter2", defaultUser.password());
    }

    @Test
    void neverShowsThePassword() {
        RedisEndpoint e = RedisEndpoint.parse("redis://app:hunter2@localhost:6379");
        assertEquals("redis://app:***@localhost:6379", e.toString());
        assertFalse(e.toString().contains("hunter2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:6379", "localhost:6379", "redis://", "redis://user@host",
            "redis://:hunter2@host/db", "redis://:hunter2@host:notaport", "redis ://x", "redis:/:hunter2@host",
            "redis:hunter2@host", ":hunter2@host:6379", "redis//:hunter2@host", "redis://:hunter2@"})
    void rejectsMalformedUrisWithoutRevealingThePassword(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisEndpoint.parse(text));
        assertTrue(e.getMessage().contains(RedisEndpoint.ACCEPTED_FORM), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void parsesSentinelsAndTheMasterTheyWatch() {
        RedisEndpoint e = RedisEndpoint.parse("redis-sentinel://app:s%40cret@10.0.0.1:26380,sentinel-b,[::1]:26381"
                + "/orders/3");
        assertEquals(List.of("10.0.0.1:26380", "sentinel-b:26379", "::1:26381"), e.sentinels());
        assertEquals("orders", e.masterName());
        assertEquals(3, e.database());
        assertEquals("app", e.user());
        assertEquals("s@cret", e.password());
        assertNull(e.host());
        assertEquals("redis-sentinel://app:***@10.0.0.1:26380,sentinel-b:26379,::1:26381/orders/3", e.toString());
        assertEquals(List.of(), RedisEndpoint.parse("redis://localhost").sentinels());
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-sentinel://:hunter2@host:26379", "redis-sentinel://:hunter2@host:26379/",
            "redis-sentinel://:hunter2@host:notaport/m", "redis-sentinel://:hunter2@/m",
            "redis-sentinel://:hunter2@a,,b/m", "redis-sentinel:/:hunter2@host/m",
            "redis-sentinel://:hunter2@host/m/db", "redis-sentinel://user@h/m"})
    void rejectsMalformedSentinelUrisWithoutRevealingThePassword(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisEndpoint.parse(text));
        assertTrue(e.getMessage().contains(RedisEndpoint.ACCEPTED_FORM), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void parsesTheSeedNodesOfACluster() {
        RedisEndpoint e = RedisEndpoint.parse("redis-cluster://app:s%40cret@10.0.0.1:7000,node-b,[::1]:7002");
        assertTrue(e.cluster());
        assertEquals(List.of("10.0.0.1:7000", "node-b:6379", "::1:7002"), e.clusterNodes());
        assertEquals("app", e.user());
        assertEquals("s@cret", e.password());
        assertFalse(e.tls());
        assertNull(e.host());
        assertNull(e.masterName());
        assertEquals("redis-cluster://app:***@10.0.0.1:7000,node-b:6379,::1:7002", e.toString());
        RedisEndpoint tls = RedisEndpoint.parse("rediss-cluster://10.0.0.1:7000/");
        assertTrue(tls.tls());
        assertEquals("rediss-cluster://10.0.0.1:7000", tls.toString());
        assertFalse(RedisEndpoint.parse("redis://localhost").cluster());
    }

    @ParameterizedTest
    @ValueSource(strings = {"redis-cluster://:hunter2@host:7000/1", "redis-cluster://:hunter2@host:notaport",
            "redis-cluster://:hunter2@", "redis-cluster://:hunter2@a,,b", "redis-cluster:/:hunter2@host",
            "redis-cluster://user@h", "redis-cluster://:hunter2@host:70000"})
    void rejectsMalformedClusterUrisWithoutRevealingThePassword(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisEndpoint.parse(text));
        assertTrue(e.getMessage().contains(RedisEndpoint.ACCEPTED_FORM), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
