package dev.tiered.runtime.tx;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Supplier;

/**
 * The transactions of an application, as the class loader of one of its classes sees them: Spring's transaction
 * synchronisation ({@code TransactionSynchronizationManager}) when that loader can load it, none otherwise. Found
 * by name at run time, so that tiered has no compile-time dependency on Spring and uses whatever version the
 * application brings. Thread-safe.
 */
public abstract class Transactions {
    /** How a transaction ended. */
    public enum Outcome {
        COMMITTED, ROLLED_BACK,
        /** A heuristic or failed completion: the transaction manager cannot tell. */
        UNKNOWN
    }

    /** Work that must wait for the end of the transaction it was made in. */
    public interface Work {
        /** Called once, on the thread that completes the transaction, after it committed or rolled back. */
        void completed(Outcome outcome);
    }

    /** No transaction manager: every call runs outside a transaction. */
    public static final Transactions NONE = new Transactions() {
        @Override
        public <W extends Work> W current(Class<W> type, Supplier<W> newWork) {
            return null;
        }

        @Override
        public String toString() {
            return "none";
        }
    };

    static final String SPRING = "org.springframework.transaction.support.TransactionSynchronizationManager";
    static final String SPRING_SYNCHRONIZATION = "org.springframework.transaction.support.TransactionSynchronization";

    Transactions() {}

    /**
     * The transactions {@code loader} sees: Spring's if it can load Spring's synchronisation manager (without
     * initialising anything), else {@link #NONE}. Never throws.
     */
    public static Transactions of(ClassLoader loader) {
        if (loader == null) {
            return NONE;
        }
        try {
            Class<?> manager = Class.forName(SPRING, false, loader);
            Class<?> synchronization = Class.forName(SPRING_SYNCHRONIZATION, false, loader);
            return new Spring(manager, synchronization);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException absent) {
            return NONE;
        }
    }

    /**
     * The work of type {@code type} enlisted in the transaction of the calling thread, enlisting the one
     * {@code newWork} makes on first use (its {@link Work#completed} runs when the transaction completes); {@code null}
     * when the calling thread is in no transaction, so that the caller does its work at once.
     *
     * @throws IllegalStateException if the transaction manager failed; the caller does its work at once
     */
    public abstract <W extends Work> W current(Class<W> type, Supplier<W> newWork);

    /**
     * Spring's: a thread is in a transaction when an actual transaction is active and synchronisation is on (so that
     * an empty {@code SUPPORTS} scope, which has synchronisation but no transaction, is not one). The work is
     * enlisted as a {@code TransactionSynchronization}, a {@link Proxy} of Spring's interface made in the
     * application's loader; a transaction suspended by a {@code REQUIRES_NEW} one keeps its work, the inner one gets
     * its own.
     */
    static final class Spring extends Transactions {
        private static final MethodType BOOLEAN = MethodType.methodType(boolean.class);

        private final MethodHandle actualTransactionActive;
        private final MethodHandle synchronizationActive;
        private final MethodHandle synchronizations;
        private final MethodHandle register;
        private final Class<?> synchronization;
        private final int committed;
        private final int rolledBack;

        Spring(Class<?> manager, Class<?> synchronization) throws ReflectiveOperationException {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            this.actualTransactionActive = lookup.findStatic(manager, "isActualTransactionActive", BOOLEAN);
            this.synchronizationActive = lookup.findStatic(manager, "isSynchronizationActive", BOOLEAN);
            this.synchronizations = lookup.findStatic(manager, "getSynchronizations",
                    MethodType.methodType(List.class));
            this.register = lookup.findStatic(manager, "registerSynchronization",
                    MethodType.methodType(void.class, synchronization));
            this.synchronization = synchronization;
            this.committed = synchronization.getField("STATUS_COMMITTED").getInt(null);
            this.rolledBack = synchronization.getField("STATUS_ROLLED_BACK").getInt(null);
        }

        @Override
        public <W extends Work> W current(Class<W> type, Supplier<W> newWork) {
            try {
                if (!(boolean) actualTransactionActive.invokeExact() || !(boolean) synchronizationActive.invokeExact()) {
                    return null;
                }
                for (Object s : (List<?>) synchronizations.invokeExact()) {
                    if (Proxy.isProxyClass(s.getClass()) && Proxy.getInvocationHandler(s) instanceof Enlisted e
                            && type.isInstance(e.work)) {
                        return type.cast(e.work);
                    }
                }
                W work = newWork.get();
                Object proxy = Proxy.newProxyInstance(synchronization.getClassLoader(),
                        new Class<?>[] {synchronization}, new Enlisted(work));
                register.invoke(proxy);
                return work;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("Spring's transaction synchronisation failed: " + t, t);
            }
        }

        /** Spring's {@code TransactionSynchronization} for one enlisted work: only its completion matters. */
        final class Enlisted implements InvocationHandler {
            final Work work;

            Enlisted(Work work) {
                this.work = work;
            }

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "afterCompletion":
                        int status = (Integer) args[0];
                        try {
                            work.completed(status == committed ? Outcome.COMMITTED
                                    : status == rolledBack ? Outcome.ROLLED_BACK : Outcome.UNKNOWN);
                        } catch (RuntimeException | Error ignored) {
                            // the work reports its own faults; the application's transaction is over either way
                        }
                        return null;
                    case "getOrder":
                        return Integer.MAX_VALUE; // Ordered.LOWEST_PRECEDENCE: after the application's own
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "toString":
                        return "tiered: " + work;
                    default:
                        // suspend, resume, flush, beforeCommit, afterCommit, savepoints: nothing to do
                        return method.isDefault() && method.getReturnType() != void.class
                                ? InvocationHandler.invokeDefault(proxy, method, args) : null;
                }
            }
        }

        @Override
        public String toString() {
            return "Spring";
        }
    }
}
