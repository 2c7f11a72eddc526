package dev.tiered.agent.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The interfaces a class file declares, read from its constant pool and header only (JVMS 4.1, 4.4), for the
 * filter that sees every class the JVM loads: far cheaper than handing each one to a class reader.
 */
final class ClassHeader {
    private ClassHeader() {}

    /**
     * The internal names ({@code com/acme/Repo}) of the interfaces the class lists directly, in order; empty for
     * none, and for bytes that are not a well-formed class file (the JVM will say so when it defines it).
     */
    static List<String> interfaces(byte[] b) {
        try {
            if (b.length < 10 || u4(b, 0) != 0xCAFEBABE) {
                return List.of();
            }
            int count = u2(b, 8);
            int[] offsets = new int[count]; // where each entry's content starts, after its tag
            int at = 10;
            for (int i = 1; i < count; i++) {
                int tag = b[at] & 0xff;
                offsets[i] = at + 1;
                switch (tag) {
                    case 1: at += 3 + u2(b, at + 1); break; // Utf8
                    case 7: case 8: case 16: case 19: case 20: at += 3; break; // Class, String, and such
                    case 15: at += 4; break; // MethodHandle
                    case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: at += 5; break;
                    case 5: case 6: at += 9; i++; break; // Long, Double take two entries
                    default: return List.of();
                }
            }
            int interfaces = u2(b, at + 6); // after access flags, this class and super class
            List<String> names = new ArrayList<>(interfaces);
            for (int i = 0; i < interfaces; i++) {
                int classEntry = offsets[u2(b, at + 8 + 2 * i)];
                int utf8 = offsets[u2(b, classEntry)];
                names.add(new String(b, utf8 + 2, u2(b, utf8), StandardCharsets.UTF_8));
            }
            return names;
        } catch (RuntimeException malformed) { // an index out of bounds: not a class file we can read
            return List.of();
        }
    }

    private static int u2(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    private static int u4(byte[] b, int at) {
        return u2(b, at) << 16 | u2(b, at + 2);
    }
}
