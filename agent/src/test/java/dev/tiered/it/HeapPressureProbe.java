package dev.tiered.it;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import dev.tiered.Tier;
import dev.tiered.Tiered;

/**
 * The application side of the heap-pressure test: an L1 filled to its bound with 64 KB blocks, then the
 * application's own retained data growing by 1 MB every 10 ms (100 MB/s: a request burst, a report being built) up
 * to {@code ballastMb}, while it keeps calling the cached method with new keys. Where L1 keeps its bound, the heap
 * cannot hold both and the application gets an {@link OutOfMemoryError}; under {@code tiered.l1.budget}, L1 shrinks
 * when a collection leaves the heap nearly full, and both fit.
 *
 * <p>Reply: {@code survived filled=F episodes=E} or {@code oom filled=F at=M} (M: megabytes of the application's data
 * when it ran out), where F is the estimated bytes L1 held after the fill.
 */
public final class HeapPressureProbe {
    private static final int BLOCK = 64 * 1024;

    private HeapPressureProbe() {}

    /** A store of large immutable blocks, cached in L1 only. */
    public static final class Blocks {
        @Tiered(ttl = "1h", tier = Tier.L1, namespace = "blocks")
        public byte[] block(long id) {
            byte[] b = new byte[BLOCK];
            b[0] = (byte) id;
            return b;
        }
    }

    public static String run(int fillBlocks, int ballastMb) throws Exception {
        Blocks blocks = new Blocks();
        long key = 0;
        for (; key < fillBlocks; key++) {
            blocks.block(key);
        }
        long filled = (long) attribute("dev.tiered:type=Namespace,name=blocks", "L1EstimatedBytes");
        List<byte[]> ballast = new ArrayList<>();
        try {
            for (int mb = 0; mb < ballastMb; mb++) {
                ballast.add(new byte[1 << 20]);
                for (int i = 0; i < 4; i++) {
                    blocks.block(key++);
                }
                LockSupport.parkNanos(10_000_000L);
            }
        } catch (OutOfMemoryError e) {
            int at = ballast.size();
            ballast = null;
            return "oom filled=" + filled + " at=" + at;
        }
        long episodes = (long) attribute("dev.tiered:type=Runtime", "L1PressureEpisodes");
        ballast.clear(); // the application's data is let go of: the pressure ends at the next check
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return "survived filled=" + filled + " episodes=" + episodes;
    }

    private static Object attribute(String mbean, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        return server.getAttribute(new ObjectName(mbean), attribute);
    }
}
