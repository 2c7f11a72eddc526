package dev.tiered.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.nio.charset.StandardCharsets;
import java.security.ProtectionDomain;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The agent's only class file transformer, registered before {@code premain} returns so that no class is missed,
 * while the engine starts on a background thread.
 *
 * <p>It keeps start-up cheap: a class whose bytes do not mention {@code Ldev/tiered/Tiered;} or
 * {@code Ldev/tiered/Invalidates;} cannot carry the annotations, so it is passed over with one byte scan and never
 * parsed, unless it implements an interface that does ({@link AnnotatedInterfaces}, which reads each of the
 * application's interfaces once), or a rules file names it or an interface it lists ({@code tiered.rules}). Only
 * the rare class that does is handed to the {@link Rewriter}; if the engine is
 * still starting, that class waits for it, for at most {@link #WAIT_SECONDS}, and otherwise loads as written
 * (logged).
 */
final class ClassFileFilter implements ClassFileTransformer {
    /** How long a class that needs rewriting waits for the engine to start. */
    static final long WAIT_SECONDS = 10;

    private static final byte[] PACKAGE = "Ldev/tiered/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TIERED = "Tiered;".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INVALIDATES = "Invalidates;".getBytes(StandardCharsets.US_ASCII);

    private final ClassLoader agentLoader;
    private final AnnotatedInterfaces interfaces = new AnnotatedInterfaces();
    private final long waitNanos;
    private final CountDownLatch started = new CountDownLatch(1);
    /** Set once, before {@link #started} opens; null when the engine did not start or is disabled. */
    private volatile ClassFileTransformer rewriter;
    private volatile Consumer<String> warn;
    /** The classes a rules file names (internal names), passed to the rewriter whatever their bytes mention. */
    private volatile Predicate<String> ruled = name -> false;
    /** The interfaces a rules file names (internal names), or null while it names none. */
    private volatile java.util.function.Supplier<Predicate<String>> ruledInterfaces = () -> null;

    ClassFileFilter(ClassLoader agentLoader) {
        this(agentLoader, TimeUnit.SECONDS.toNanos(WAIT_SECONDS), line -> System.err.println("tiered: " + line));
    }

    ClassFileFilter(ClassLoader agentLoader, long waitNanos, Consumer<String> warnBeforeStart) {
        this.agentLoader = agentLoader;
        this.waitNanos = waitNanos;
        this.warn = warnBeforeStart;
    }

    /**
     * The engine has started: classes from now on, and those waiting, go to {@code rewriter} (null: to nothing).
     * Only the first call counts.
     */
    synchronized void open(ClassFileTransformer rewriter, Consumer<String> warn) {
        open(rewriter, warn, name -> false);
    }

    /** As {@link #open(ClassFileTransformer, Consumer)}; {@code ruled}: the internal names rules name. */
    synchronized void open(ClassFileTransformer rewriter, Consumer<String> warn, Predicate<String> ruled) {
        open(rewriter, warn, ruled, () -> null);
    }

    /**
     * As {@link #open(ClassFileTransformer, Consumer, Predicate)}; {@code ruledInterfaces}: what tells the interfaces
     * rules name by internal name (a class listing one is rewritten), asked at each class load; null for none.
     */
    synchronized void open(ClassFileTransformer rewriter, Consumer<String> warn, Predicate<String> ruled,
                           java.util.function.Supplier<Predicate<String>> ruledInterfaces) {
        if (started.getCount() == 0) {
            return;
        }
        this.rewriter = rewriter;
        this.ruled = ruled;
        this.ruledInterfaces = ruledInterfaces;
        if (warn != null) {
            this.warn = warn;
        }
        started.countDown();
    }

    /** Tiered detaches: from now on no class goes to the rewriter, and none waits for it. */
    synchronized void close() {
        rewriter = null;
        started.countDown();
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain domain, byte[] bytes) throws IllegalClassFormatException {
        if (loader == agentLoader || bytes == null || !mentionsAnnotations(bytes)
                && !interfaces.implementsOne(loader, bytes) && !(className != null && ruled.test(className))
                && !listsRuledInterface(loader, bytes)) {
            return null;
        }
        ClassFileTransformer target = rewriter;
        if (target == null) {
            if (!awaitStart()) {
                warn.accept(className.replace('/', '.') + " runs as written: it was loaded while the agent was still "
                        + "starting, and the agent did not finish within " + waitNanos / 1_000_000 + " ms");
                return null;
            }
            target = rewriter;
            if (target == null) {
                return null;
            }
        }
        return target.transform(module, loader, className, classBeingRedefined, domain, bytes);
    }

    private boolean listsRuledInterface(ClassLoader loader, byte[] bytes) {
        Predicate<String> named = ruledInterfaces.get();
        return named != null && interfaces.listsOne(loader, bytes, named);
    }

    /** Waits for the engine without being cut short by an interrupt, which is kept for the application. */
    private boolean awaitStart() {
        long deadline = System.nanoTime() + waitNanos;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return started.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
