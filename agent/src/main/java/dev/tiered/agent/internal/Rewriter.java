package dev.tiered.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

import org.slf4j.Logger;

import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeInitializer;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.auxiliary.AuxiliaryType;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.AsmClassReader;
import net.bytebuddy.utility.AsmClassWriter;

import dev.tiered.agent.bootstrap.Bridge;

/**
 * Rewrites one class that mentions the annotations: describes it from its bytes (nothing is loaded), asks the
 * {@link TieredTransformer} which methods get which advice, and has Byte Buddy's {@code Advice} inline it in one
 * pass of the class reader, with no change to the class's shape (no member is added or removed, so retransformation
 * is allowed too).
 *
 * <p>This is what Byte Buddy's {@code AgentBuilder} does when class format changes are disabled, without its
 * general machinery: that would cost the application some 200 ms more at start-up, for features this agent never
 * uses. A class that cannot be rewritten loads as written, logged on one line.
 */
final class Rewriter implements ClassFileTransformer {
    /** The module of the bridge that inlined advice calls: the bootstrap loader's unnamed module. */
    private static final Module BRIDGE = Bridge.class.getModule();

    private final TieredTransformer transformer;
    private final Logger log;
    /** Lets a named module read the bridge; {@code null} where no class of a named module is rewritten. */
    private final Instrumentation inst;
    /** The classes rewritten, by loader (the bootstrap loader's under a key of its own), for a detach. */
    private final Map<Object, Set<String>> advised = new WeakHashMap<>();
    private static final Object BOOTSTRAP = new Object();

    Rewriter(TieredTransformer transformer, Logger log, Instrumentation inst) {
        this.transformer = transformer;
        this.log = log;
        this.inst = inst;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain domain, byte[] bytes) {
        String typeName = className.replace('/', '.');
        try {
            byte[] rewritten = rewrite(transformer, typeName, loader, bytes);
            // the modules the advice reaches: the bridge, and the anchor in the loader's own unnamed module
            Set<Module> reads = loader == null ? Set.of(BRIDGE) : Set.of(BRIDGE, loader.getUnnamedModule());
            if (rewritten != null && module != null && module.isNamed()
                    && !reads.stream().allMatch(module::canRead)) {
                // a class of a named module (a JDK proxy's dynamic module jdk.proxyN, a modular application) reads
                // only what it declares: without this, the advice's first use of the bridge fails to link
                if (inst == null) {
                    log.warn("{} runs as written: its module {} cannot be made to read tiered's bridge", typeName,
                            module.getName());
                    return null;
                }
                inst.redefineModule(module, reads, Map.of(), Map.of(), Set.of(), Map.of());
            }
            if (rewritten != null) {
                synchronized (advised) {
                    advised.computeIfAbsent(loader == null ? BOOTSTRAP : loader, l -> new HashSet<>()).add(typeName);
                }
            }
            return rewritten;
        } catch (Throwable t) {
            log.warn("{} is left as written: it could not be transformed ({})", typeName, t.toString());
            return null;
        }
    }

    /** The loaded classes this rewrote, found among {@code loaded}. */
    List<Class<?>> advised(Class<?>[] loaded) {
        List<Class<?>> found = new ArrayList<>();
        synchronized (advised) {
            for (Class<?> c : loaded) {
                ClassLoader loader = c.getClassLoader();
                Set<String> names = advised.get(loader == null ? BOOTSTRAP : loader);
                if (names != null && names.contains(c.getName())) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    /** The rewritten class, or null when none of its methods is advised. */
    static byte[] rewrite(TieredTransformer transformer, String typeName, ClassLoader loader, byte[] bytes) {
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(typeName, bytes),
                ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = new TypePool.Default.WithLazyResolution(new TypePool.CacheProvider.Simple(), locator,
                TypePool.Default.ReaderMode.FAST);
        TypeDescription type = pool.describe(typeName).resolve();
        if (type.isSynthetic()) {
            return null;
        }
        try {
            AsmVisitorWrapper advice = transformer.advice(type, loader);
            if (advice == null) {
                transformer.checkAnnotationsVisible(type, pool, loader);
                return null;
            }
            int writerFlags = advice.mergeWriter(AsmVisitorWrapper.NO_FLAGS);
            int readerFlags = advice.mergeReader(AsmVisitorWrapper.NO_FLAGS);
            AsmClassReader reader = AsmClassReader.Factory.Default.IMPLICIT.make(bytes);
            AsmClassWriter writer = AsmClassWriter.Factory.Default.IMPLICIT.make(writerFlags, reader);
            ClassFileVersion version = ClassFileVersion.ofClassFile(bytes);
            Implementation.Context context = Implementation.Context.Disabled.Factory.INSTANCE.make(type,
                    new AuxiliaryType.NamingStrategy.Suffixing("tiered"), TypeInitializer.None.INSTANCE, version,
                    version, Implementation.Context.FrameGeneration.DISABLED);
            reader.accept(advice.wrap(type, writer.getVisitor(), context, pool, type.getDeclaredFields(),
                    type.getDeclaredMethods(), writerFlags, readerFlags), readerFlags);
            return writer.getBinaryRepresentation();
        } finally {
            TieredTransformer.endOfClass();
        }
    }
}
