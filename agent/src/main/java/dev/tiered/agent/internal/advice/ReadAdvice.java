package dev.tiered.agent.internal.advice;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.agent.bootstrap.PendingCall;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * The code inlined into every {@code @Tiered} method: one enter advice per number of parameters (so that zero to
 * three arguments reach the cache without an {@code Object[]}), and one exit advice.
 *
 * <p>Enter returns the cached result, which skips the method body, or {@code null}, which runs it; a
 * {@link PendingCall} goes to the exit advice through a local. Exit either substitutes the cached result as the
 * return value or reports the body's outcome. Both suppress every {@code Throwable} of their own. An exception
 * thrown by the method reaches the caller unchanged, unless {@code tiered.staleIfError} has exit return a recently
 * expired value of the same call instead.
 */
public final class ReadAdvice {
    private ReadAdvice() {}

    public static final class Enter0 {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static Object enter(@SiteId Object site, @Advice.Local("tieredPending") Object pending) {
            Object result = Bridge.enter0(site);
            if (result instanceof PendingCall) {
                pending = result;
                return null;
            }
            return result;
        }
    }

    public static final class Enter1 {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static Object enter(@SiteId Object site,
                            @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object a0,
                            @Advice.Local("tieredPending") Object pending) {
            Object result = Bridge.enter1(site, a0);
            if (result instanceof PendingCall) {
                pending = result;
                return null;
            }
            return result;
        }
    }

    public static final class Enter2 {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static Object enter(@SiteId Object site,
                            @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object a0,
                            @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object a1,
                            @Advice.Local("tieredPending") Object pending) {
            Object result = Bridge.enter2(site, a0, a1);
            if (result instanceof PendingCall) {
                pending = result;
                return null;
            }
            return result;
        }
    }

    public static final class Enter3 {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static Object enter(@SiteId Object site,
                            @Advice.Argument(value = 0, typing = Assigner.Typing.DYNAMIC) Object a0,
                            @Advice.Argument(value = 1, typing = Assigner.Typing.DYNAMIC) Object a1,
                            @Advice.Argument(value = 2, typing = Assigner.Typing.DYNAMIC) Object a2,
                            @Advice.Local("tieredPending") Object pending) {
            Object result = Bridge.enter3(site, a0, a1, a2);
            if (result instanceof PendingCall) {
                pending = result;
                return null;
            }
            return result;
        }
    }

    public static final class EnterN {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static Object enter(@SiteId Object site, @Advice.AllArguments Object[] args,
                            @Advice.Local("tieredPending") Object pending) {
            Object result = Bridge.enterN(site, args);
            if (result instanceof PendingCall) {
                pending = result;
                return null;
            }
            return result;
        }
    }

    public static final class Exit {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object cached,
                         @Advice.Local("tieredPending") Object pending,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object returned,
                         @Advice.Thrown(readOnly = false) Throwable thrown) {
            if (cached != null) {
                returned = cached == Bridge.NULL ? null : cached;
            } else if (pending != null) {
                Object instead = Bridge.exit(pending, returned, thrown);
                if (instead != null) {
                    // a value the method returned before: assigned first, so that a failed cast leaves the exception
                    returned = instead == Bridge.NULL ? null : instead;
                    thrown = null;
                }
            }
        }
    }
}
