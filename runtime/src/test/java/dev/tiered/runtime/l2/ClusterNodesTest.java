package dev.tiered.runtime.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.util.JedisClusterCRC16;

class ClusterNodesTest {
    /** As Redis 7.0 prints it, with a failed replica, one whose link is down, one master in migration. */
    private static final String NODES = """
            7a3a 127.0.0.1:17006@27006 slave a38e 0 1796418935607 3 connected
            5456 127.0.0.1:17002@27002,node-b master - 0 1796418936310 2 connected 5461-10921 [10922->-a38e]
            db28 127.0.0.1:17005@27005 slave,fail 5456 0 1796418935607 2 disconnected
            1939 127.0.0.1:17001@27001 myself,master - 0 1796418936000 1 connected 0-5460
            b25b 127.0.0.1:17004@27004 slave 1939 0 1796418936009 1 disconnected
            a38e 127.0.0.1:17003@27003 master - 0 1796418935607 3 connected 10922-16383
            dead 127.0.0.1:17007@27007 master,fail - 0 1796418935607 4 connected
            """;

    @Test
    void mastersTheirReplicasThatAreUpAndATagInTheirSlotsComeFromClusterNodes() {
        List<ClusterNodes.Master> masters = ClusterNodes.parse(NODES).stream()
                .sorted(Comparator.comparingInt(m -> m.node().getPort())).toList();
        assertEquals(List.of(new HostAndPort("127.0.0.1", 17001), new HostAndPort("127.0.0.1", 17002),
                new HostAndPort("127.0.0.1", 17003)), masters.stream().map(ClusterNodes.Master::node).toList());
        assertEquals(List.of(false, false, true), masters.stream().map(ClusterNodes.Master::replicaUp).toList(),
                "17004's link is down, 17005 failed, 17006 is up");
        int[][] slots = {{0, 5460}, {5461, 10921}, {10922, 16383}};
        for (int i = 0; i < 3; i++) {
            int slot = JedisClusterCRC16.getSlot(masters.get(i).tag());
            assertTrue(slot >= slots[i][0] && slot <= slots[i][1], masters.get(i) + ": slot " + slot);
        }
    }
}
