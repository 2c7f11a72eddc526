package dev.tiered.agent.internal;

import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.runtime.TieredRuntime;

/**
 * Takes tiered out of the JVM ({@code java -jar tiered-agent.jar detach <pid>}, or the runtime MBean's
 * {@code detach} operation): no class is rewritten any more, every rewritten class gets its original bytecode back
 * by one retransformation, every site is let go of (in the loaders' anchors and in the bridge), and the engine
 * closes (its threads, Redis connections, MBeans and metrics endpoint). What remains of tiered is the bridge in the
 * bootstrap loader and an empty anchor class in each loader; its own class loader is then unreachable. A call in
 * flight completes as it began; the application runs on uncached. Runs once.
 */
final class Detacher implements Supplier<String> {
    private final Instrumentation inst;
    private final ClassFileFilter filter;
    private final Rewriter rewriter;
    private final Anchors anchors;
    private final TieredRuntime runtime;
    private final Runnable detached;
    private final Logger log;
    private boolean done;

    Detacher(Instrumentation inst, ClassFileFilter filter, Rewriter rewriter, Anchors anchors, TieredRuntime runtime,
             Runnable detached, Logger log) {
        this.inst = inst;
        this.filter = filter;
        this.rewriter = rewriter;
        this.anchors = anchors;
        this.runtime = runtime;
        this.detached = detached;
        this.log = log;
    }

    @Override
    public synchronized String get() {
        if (done) {
            return "nothing to detach: tiered detached already";
        }
        done = true;
        long started = System.nanoTime();
        filter.close();
        inst.removeTransformer(filter);
        List<Class<?>> advised = rewriter.advised(inst.getAllLoadedClasses());
        int restored = 0;
        int failed = 0;
        if (!advised.isEmpty()) {
            try {
                inst.retransformClasses(advised.toArray(Class<?>[]::new)); // without tiered's transformer: as loaded
                restored = advised.size();
            } catch (Throwable all) {
                for (Class<?> c : advised) { // one at a time, to restore all the others
                    try {
                        inst.retransformClasses(c);
                        restored++;
                    } catch (Throwable t) {
                        failed++;
                        log.warn("{} keeps tiered's advice, which now runs it uncached: it could not be restored "
                                + "({})", c.getName(), t.toString());
                    }
                }
            }
        }
        int loaders = anchors.releaseAll();
        Bridge.clear();
        runtime.close();
        String summary = "tiered detached in " + (System.nanoTime() - started) / 1_000_000 + " ms: " + restored
                + " classes restored to their original bytecode" + (failed == 0 ? "" : ", " + failed + " not")
                + ", the sites of " + loaders + " class loaders let go of, threads stopped, Redis connections "
                + "closed, MBeans unregistered; the application runs uncached";
        log.info(summary);
        detached.run();
        return summary;
    }
}
