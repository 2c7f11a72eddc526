package dev.tiered.agent.internal.advice;

import dev.tiered.agent.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;

/** The code inlined into every {@code @Invalidates} method: after a normal return, bump its namespaces. */
public final class InvalidateAdvice {
    private InvalidateAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@SiteId int site) {
        Bridge.invalidate(site);
    }
}
