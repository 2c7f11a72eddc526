package dev.tiered.agent.internal;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.agent.bootstrap.ObserveSite;
import dev.tiered.agent.bootstrap.CacheSite;
import dev.tiered.agent.bootstrap.InvalidationSite;
import dev.tiered.agent.bootstrap.PendingCall;
import dev.tiered.runtime.AdvisedMethod;
import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.Invalidation;
import dev.tiered.runtime.Load;
import dev.tiered.runtime.WriterMethod;
import dev.tiered.runtime.stats.FaultReporter;

/** Adapters from the bootstrap bridge's sites to the runtime, and the place where every agent fault stops. */
final class Sites {
    private Sites() {}

    static final class Read extends CacheSite {
        private final CachedMethod method;

        Read(CachedMethod method) {
            this.method = method;
        }

        @Override
        public Object enter0() {
            try {
                return translate(method.begin0());
            } catch (Throwable t) {
                return fault(t);
            }
        }

        @Override
        public Object enter1(Object a0) {
            try {
                return translate(method.begin1(a0));
            } catch (Throwable t) {
                return fault(t);
            }
        }

        @Override
        public Object enter2(Object a0, Object a1) {
            try {
                return translate(method.begin2(a0, a1));
            } catch (Throwable t) {
                return fault(t);
            }
        }

        @Override
        public Object enter3(Object a0, Object a1, Object a2) {
            try {
                return translate(method.begin3(a0, a1, a2));
            } catch (Throwable t) {
                return fault(t);
            }
        }

        @Override
        public Object enterN(Object[] args) {
            try {
                return translate(method.beginN(args));
            } catch (Throwable t) {
                return fault(t);
            }
        }

        private Object translate(Object outcome) {
            if (outcome instanceof Load) {
                return new Pending(method, (Load) outcome);
            }
            return outcome == CachedMethod.NULL_RESULT ? Bridge.NULL : outcome;
        }

        private Object fault(Throwable t) {
            try {
                method.fault(t);
            } catch (Throwable ignored) {
                // nothing more can be done; the call runs uncached
            }
            return null;
        }
    }

    static final class Pending extends PendingCall {
        private final CachedMethod method;
        private final Load load;

        Pending(CachedMethod method, Load load) {
            this.method = method;
            this.load = load;
        }

        @Override
        public Object exit(Object returned, Throwable thrown) {
            try {
                Object instead = load.exit(returned, thrown);
                return instead == CachedMethod.NULL_RESULT ? Bridge.NULL : instead;
            } catch (Throwable t) {
                try {
                    method.fault(t);
                } catch (Throwable ignored) {
                    // the result simply is not cached
                }
                return null;
            }
        }
    }

    static final class Invalidate extends InvalidationSite {
        private final Invalidation invalidation;

        Invalidate(Invalidation invalidation) {
            this.invalidation = invalidation;
        }

        @Override
        public void afterReturn() {
            try {
                invalidation.run();
            } catch (Throwable ignored) {
                // run() absorbs Redis failures itself; anything else must not reach the application
            }
        }

        @Override
        public void afterReturn(Object[] args) {
            try {
                invalidation.run(args);
            } catch (Throwable ignored) {
                // as above
            }
        }
    }

    /** A method the advisor observes, or watches as a possible write. */
    static final class Observe extends ObserveSite {
        private final AdvisedMethod method;
        private final WriterMethod writer;

        Observe(AdvisedMethod method, WriterMethod writer) {
            this.method = method;
            this.writer = writer;
        }

        @Override
        public void returned(Object[] args, Object result, long startNanos) {
            try {
                method.returned(args, result, startNanos);
            } catch (Throwable t) {
                FaultReporter.LOG.debug("advisor: {} not observed: {}", method.name(), t.toString());
            }
        }

        @Override
        public void written(Object[] args) {
            try {
                writer.called(args);
            } catch (Throwable t) {
                FaultReporter.LOG.debug("advisor: {} not observed: {}", writer.name(), t.toString());
            }
        }
    }
}
