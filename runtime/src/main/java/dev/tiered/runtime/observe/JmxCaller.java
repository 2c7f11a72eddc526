package dev.tiered.runtime.observe;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;

import javax.security.auth.Subject;

/**
 * Who called an MBean operation, as far as JMX tells, for the log line of a change: the authenticated principals of
 * a remote connection (with {@code jmx.remote.x.password.file} or another authenticator), and the client's address,
 * which the RMI connector puts in the name of the thread that runs the call. A local call (JConsole on the same
 * machine through the attach API, a program in the JVM) has neither: it is named by its thread.
 */
final class JmxCaller {
    private static final String RMI_THREAD = "RMI TCP Connection(";
    /** {@code Subject.current()} on JDK 18 and later; {@code null} before. */
    private static final MethodHandle CURRENT = current();

    private JmxCaller() {}

    private static MethodHandle current() {
        try {
            return MethodHandles.publicLookup().findStatic(Subject.class, "current",
                    MethodType.methodType(Subject.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    /** The caller of the operation running on this thread: {@code a JMX client alice from 10.0.0.5}. */
    static String describe() {
        List<String> principals = new ArrayList<>();
        Subject subject = subject();
        if (subject != null) {
            for (Principal p : subject.getPrincipals()) {
                principals.add(p.getName());
            }
        }
        String thread = Thread.currentThread().getName();
        String who = principals.isEmpty() ? "a JMX client" : "JMX client " + String.join(", ", principals);
        if (thread.startsWith(RMI_THREAD) && thread.lastIndexOf('-') > RMI_THREAD.length()) {
            return who + " from " + thread.substring(thread.lastIndexOf('-') + 1);
        }
        return who + " on thread " + thread;
    }

    @SuppressWarnings("removal") // Subject.getSubject is the only way before JDK 18, and is not called after it
    private static Subject subject() {
        try {
            if (CURRENT != null) {
                return (Subject) CURRENT.invoke();
            }
            return Subject.getSubject(java.security.AccessController.getContext());
        } catch (Throwable unavailable) { // a JDK that refuses it: the principal is then unknown
            return null;
        }
    }
}
