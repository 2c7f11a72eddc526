package dev.tiered.agent.internal.advice;

import dev.tiered.agent.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** The code inlined into every {@code @Invalidates} method: after a normal return, invalidate. */
public final class InvalidateAdvice {
    private InvalidateAdvice() {}

    /** A write without {@code @CacheKey}: bump its namespaces. */
    public static final class Whole {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@SiteId Object site) {
            Bridge.invalidate(site);
        }
    }

    /** A keyed write: the arguments name the entities. */
    public static final class Keyed {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@SiteId Object site, @Advice.AllArguments Object[] args) {
            Bridge.invalidate(site, args);
        }
    }
}
