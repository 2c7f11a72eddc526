package dev.tiered.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;

/**
 * Keeps start-up cheap: a class whose bytes do not mention {@code Ldev/tiered/Tiered;} or
 * {@code Ldev/tiered/Invalidates;} cannot carry the annotations, so it is passed over with one byte scan and
 * never parsed. Only the rare class that does goes on to Byte Buddy.
 */
final class ClassFileFilter implements ClassFileTransformer {
    private static final byte[] PACKAGE = "Ldev/tiered/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIERED = "Tiered;".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INVALIDATES = "Invalidates;".getBytes(StandardCharsets.US_ASCII);

    private final ClassFileTransformer delegate;
    private final ClassLoader agentLoader;

    ClassFileFilter(ClassFileTransformer delegate, ClassLoader agentLoader) {
        this.delegate = delegate;
        this.agentLoader = agentLoader;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain domain, byte[] bytes) throws IllegalClassFormatException {
        if (loader == agentLoader || bytes == null || !mentionsAnnotations(bytes)) {
            return null;
        }
        try {
            return delegate.transform(module, loader, className, classBeingRedefined, domain, bytes);
        } finally {
            TieredTransformer.endOfClass();
        }
    }

    /** Whether the constant pool may name one of the annotation types. */
    static boolean mentionsAnnotations(byte[] bytes) {
        int last = bytes.length - PACKAGE.length;
        for (int i = 0; i <= last; i++) {
            if (bytes[i] == 'L' && startsWith(bytes, i, PACKAGE)) {
                int after = i + PACKAGE.length;
                if (startsWith(bytes, after, TIERED) || startsWith(bytes, after, INVALIDATES)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        if (offset + prefix.length > bytes.length) {
            return false;
        }
        for (int j = 0; j < prefix.length; j++) {
            if (bytes[offset + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }
}
