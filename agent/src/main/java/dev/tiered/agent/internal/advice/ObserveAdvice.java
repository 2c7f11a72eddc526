package dev.tiered.agent.internal.advice;

import dev.tiered.agent.bootstrap.Bridge;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/** The code inlined into the methods the advisor observes: nothing changes what they do or return. */
public final class ObserveAdvice {
    private ObserveAdvice() {}

    /** A candidate: its time, arguments and result, after a normal return. */
    public static final class Read {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return System.nanoTime();
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@SiteId Object site, @Advice.Enter long start, @Advice.AllArguments Object[] args,
                         @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object result) {
            Bridge.returned(site, args, result, start);
        }
    }

    /** A possible write: when it returned. */
    public static final class Write {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@SiteId Object site, @Advice.AllArguments Object[] args) {
            Bridge.written(site, args);
        }
    }
}
