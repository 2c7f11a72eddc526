package dev.tiered.agent.internal;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Opcodes;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.runtime.ClassLoaders;

/**
 * Keeps what tiered holds for a class loader reachable from that loader only, so that it goes when the loader goes (a
 * redeployed application, a dev-mode restart): in each loader with advised classes, tiered defines an anchor class,
 * {@code dev.tiered.anchor.Sites}, whose static array holds the sites of that loader's advised methods (and through
 * them their caches, L1 entries, codecs and indexes), and whose other static field holds the loader's {@link Anchor}.
 * Advice inlined into a class reads its site from its own loader's anchor: the class resolves the name in the loader
 * that defined it, which finds its own anchor first whatever its parents hold.
 *
 * <p>Nothing global refers to an anchor but weakly; when the loader becomes unreachable, so do its anchor class, its
 * sites and everything they hold, and {@link ClassLoaders} counts the loader as released. The bootstrap loader has no
 * anchor, nor has a loader when the JDK's internal {@code Unsafe} is closed to tiered (the bridge then went on the
 * bootstrap class path): their sites stay in {@link Bridge} for the life of the JVM.
 */
final class Anchors {
    static final String SITES = "SITES";
    private static final String OWNER = "OWNER";

    /**
     * {@code dev.tiered.anchor.Sites} for the first agent of the JVM, {@code Sites2} for the one attached after it
     * detached, and so on: a loader keeps the anchor class of an agent that left, and cannot define the name again.
     */
    final String className;
    final String internalName;
    private final byte[] bytes;

    /** {@code jdk.internal.misc.Unsafe}'s {@code defineClass}, or {@code null} where it is closed to tiered. */
    private final Method define;
    private final Object unsafe;
    private final Map<ClassLoader, WeakReference<Anchor>> anchors = new WeakHashMap<>();
    /** Counts the loaders anchored, and those released when their anchor is collected. */
    private final ClassLoaders loaders;

    Anchors(ClassLoaders loaders, int start) {
        this.loaders = loaders;
        this.className = "dev.tiered.anchor.Sites" + (start <= 1 ? "" : Integer.toString(start));
        this.internalName = className.replace('.', '/');
        this.bytes = anchorClass(internalName);
        Method m = null;
        Object u = null;
        try {
            Class<?> type = Class.forName("jdk.internal.misc.Unsafe");
            u = type.getMethod("getUnsafe").invoke(null);
            m = type.getMethod("defineClass", String.class, byte[].class, int.class, int.class, ClassLoader.class,
                    ProtectionDomain.class);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError closed) {
            m = null;
        }
        this.define = m;
        this.unsafe = u;
    }

    /** Whether class loaders can be anchored: else every site is kept by {@link Bridge} for good. */
    boolean available() {
        return define != null;
    }

    /**
     * The anchor of {@code loader}, defining it on first use; {@code null} for the bootstrap loader, or where no
     * anchor can be defined in the loader (then its sites go to the bridge).
     */
    synchronized Anchor of(ClassLoader loader) {
        if (loader == null || define == null) {
            return null;
        }
        WeakReference<Anchor> known = anchors.get(loader);
        Anchor anchor = known == null ? null : known.get();
        if (anchor != null || known != null) {
            return anchor; // known and absent: the loader refused the anchor once, its sites go to the bridge
        }
        try {
            Class<?> holder = (Class<?>) define.invoke(unsafe, className, bytes, 0, bytes.length, loader, null);
            if (holder.getClassLoader() != loader) {
                throw new IllegalStateException("defined by " + holder.getClassLoader());
            }
            anchor = new Anchor(holder);
            holder.getField(OWNER).set(null, anchor);
            anchors.put(loader, new WeakReference<>(anchor));
            loaders.anchored(anchor);
            return anchor;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError refused) {
            anchors.put(loader, new WeakReference<>(null));
            return null;
        }
    }

    /**
     * Lets go of every site, in every loader: the agent detaches. The anchor classes stay (a class cannot be
     * undefined) but hold nothing; advice still inlined somewhere finds no site and runs its method uncached.
     * Returns how many loaders had an anchor.
     */
    synchronized int releaseAll() {
        int released = 0;
        for (WeakReference<Anchor> ref : anchors.values()) {
            Anchor anchor = ref.get();
            if (anchor != null) {
                anchor.release();
                released++;
            }
        }
        anchors.clear();
        return released;
    }

    /** One loader's sites, in the static array of its anchor class, numbered from 0. */
    static final class Anchor {
        private final Class<?> holder;
        private Object[] sites = new Object[8];
        private int count;

        private Anchor(Class<?> holder) {
            this.holder = holder;
        }

        /** Adds a site and returns its number in this loader. */
        synchronized int register(Object site) throws ReflectiveOperationException {
            if (count == sites.length) {
                sites = Arrays.copyOf(sites, sites.length * 2);
            }
            sites[count] = site;
            holder.getField(SITES).set(null, sites); // a volatile write: publishes the element with the array
            return count++;
        }

        synchronized void release() {
            try {
                holder.getField(SITES).set(null, new Object[0]);
                holder.getField(OWNER).set(null, null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the anchor's own public fields", e);
            }
            sites = new Object[0];
        }
    }

    /**
     * {@code public final class dev.tiered.anchor.Sites { public static volatile Object[] SITES; public static
     * Object OWNER; }}: a Java 8 class file without a constructor.
     */
    private static byte[] anchorClass(String internalName) {
        ClassWriter w = new ClassWriter(0);
        w.visit(Opcodes.V1_8, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
                internalName, null, "java/lang/Object", null);
        w.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC | Opcodes.ACC_VOLATILE, SITES, "[Ljava/lang/Object;",
                null, null).visitEnd();
        w.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, OWNER, "Ljava/lang/Object;", null, null).visitEnd();
        w.visitEnd();
        return w.toByteArray();
    }
}
