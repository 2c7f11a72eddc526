package dev.tiered.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import dev.tiered.it.fixture.Gates;
import dev.tiered.it.fixture.Products;
import dev.tiered.it.fixture.Runs;
import dev.tiered.testkit.JvmProcess;

/**
 * The main class of the child JVMs: an "application" that a test drives one command per line on stdin, answering
 * each with one {@link JvmProcess#REPLY} line. Commands:
 * <pre>
 * call [class] method args...    invoke a public method (of Products unless a class is named); "ok value" or
 *                                "threw class message"
 * runs method                    how often a fixture body ran
 * stat namespace attribute       a JMX attribute of the agent's namespace MBean, "absent" without one
 * provenance                     dev.tiered.Provenance.lastCall() on the command thread, "none" if empty
 * runtime attribute              a JMX attribute of the agent's runtime MBean
 * attribute objectName name      a JMX attribute of any MBean, "absent" without it
 * mbeans                         every attribute of every dev.tiered MBean, on one line; "absent" without any
 * arm id | await id | release id stage a race on Products.gated
 * spawn method args... / join n  call in a background thread, then wait for its reply
 * parallel n method args...      n threads call at once; their replies, distinct ones only
 * isolated classes-dir jar       call Isolated.value twice through a loader whose parent is the platform loader
 * bridge-faults                  faults caught by the bootstrap bridge itself
 * probe command                  IsolationProbe: the application's own Caffeine and SLF4J
 * checker ms readers accounts pause file   the stale-read checker's workload (CheckerWorkload)
 * deploy classes annotations     Redeploys: the application Deployed in a fresh loader, called
 * redeployed-rename id name      ... renamed through the current deployment
 * undeploy                       ... the current deployment's loader closed and let go of
 * collected seconds              ... how many undeployed loaders are still alive after full GCs
 * agent-loader                   the agent's class loader, held weakly from now on: its name
 * agent-loader-collected seconds whether that loader is gone after full GCs: "gone" or "alive"
 * threads                        the names of the live threads named tiered*, sorted
 * virtual threads hits           VirtualThreadsProbe: one key missed, then hit, by that many virtual threads (JDK 21+)
 * inventory calls               the advisor's workload (dev.tiered.it.advised.Inventory)
 * heap blocks ballastMb          HeapPressureProbe: L1 filled, then the application's data grown to ballastMb
 * </pre>
 */
public final class FixtureApp {
    private static final Map<String, Object> INSTANCES = new ConcurrentHashMap<>();
    private static final Map<Integer, Future<String>> SPAWNED = new ConcurrentHashMap<>();
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r);
        t.setDaemon(true);
        return t;
    });

    private FixtureApp() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String reply;
            try {
                reply = handle(line.trim().split(" "));
            } catch (Throwable t) {
                reply = "error " + t;
            }
            System.out.println(JvmProcess.REPLY + reply);
            System.out.flush();
        }
    }

    private static String handle(String[] cmd) throws Exception {
        switch (cmd[0]) {
            case "call":
                return call(Arrays.copyOfRange(cmd, 1, cmd.length));
            case "runs":
                return Integer.toString(Runs.of(cmd[1]));
            case "stat":
                return stat(cmd[1], cmd[2]);
            case "provenance":
                return dev.tiered.Provenance.lastCall().map(Object::toString).orElse("none");
            case "namespaces":
                return namespaces();
            case "runtime":
                return ManagementFactory.getPlatformMBeanServer()
                        .getAttribute(new ObjectName("dev.tiered:type=Runtime"), cmd[1]).toString();
            case "attribute":
                try {
                    return String.valueOf(ManagementFactory.getPlatformMBeanServer()
                            .getAttribute(new ObjectName(cmd[1]), cmd[2]));
                } catch (InstanceNotFoundException e) {
                    return "absent";
                }
            case "mbeans":
                return mbeans();
            case "arm":
                Gates.arm(Long.parseLong(cmd[1]));
                return "armed";
            case "await":
                return Gates.awaitArrival(Long.parseLong(cmd[1])) ? "arrived" : "timeout";
            case "release":
                Gates.release(Long.parseLong(cmd[1]));
                return "released";
            case "spawn": {
                int n = NEXT.incrementAndGet();
                String[] call = Arrays.copyOfRange(cmd, 1, cmd.length);
                SPAWNED.put(n, POOL.submit(() -> call(call)));
                return Integer.toString(n);
            }
            case "join":
                return SPAWNED.remove(Integer.parseInt(cmd[1])).get(60, TimeUnit.SECONDS);
            case "parallel":
                return parallel(Integer.parseInt(cmd[1]), Arrays.copyOfRange(cmd, 2, cmd.length));
            case "isolated":
                return isolated(Path.of(cmd[1]), Path.of(cmd[2]));
            case "bridge-faults":
                return Class.forName("dev.tiered.agent.bootstrap.Bridge", true, null).getMethod("faults")
                        .invoke(null).toString();
            case "checker":
                return CheckerWorkload.run(Long.parseLong(cmd[1]), Integer.parseInt(cmd[2]),
                        Integer.parseInt(cmd[3]), Long.parseLong(cmd[4]), Path.of(cmd[5]));
            case "exit":
                // a thread of its own: the reply goes out first, then the JVM runs its shutdown hooks and ends
                new Thread(() -> System.exit(0), "exit").start();
                return "exiting";
            case "deploy":
                return Redeploys.deploy(Path.of(cmd[1]), Path.of(cmd[2]));
            case "redeployed-rename":
                return Redeploys.rename(Long.parseLong(cmd[1]), cmd[2]);
            case "undeploy":
                return Redeploys.undeploy();
            case "collected":
                return Redeploys.collected(Integer.parseInt(cmd[1]));
            case "threads":
                System.gc(); // tiered's cleaner thread ends once its cleaner is collected
                return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                        .filter(n -> n.startsWith("tiered")).sorted().collect(java.util.stream.Collectors.joining(","));
            case "virtual":
                return VirtualThreadsProbe.run(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]));
            case "inventory":
                return dev.tiered.it.advised.Inventory.run(Integer.parseInt(cmd[1]));
            case "heap":
                return HeapPressureProbe.run(Integer.parseInt(cmd[1]), Integer.parseInt(cmd[2]));
            case "probe":
                return (String) Class.forName("dev.tiered.it.IsolationProbe").getMethod("run", String.class)
                        .invoke(null, cmd[1]);
            default:
                return "unknown command " + cmd[0];
        }
    }

    /** {@code [class] method args...}: the class defaults to Products. */
    static String call(String[] cmd) throws Exception {
        Class<?> owner = Products.class;
        int at = 0;
        if (cmd[0].contains(".")) {
            owner = Class.forName(cmd[0]);
            at = 1;
        }
        String name = cmd[at];
        String[] raw = Arrays.copyOfRange(cmd, at + 1, cmd.length);
        Method method = null;
        for (Method m : owner.getDeclaredMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == raw.length && !m.isSynthetic()) {
                method = m;
            }
        }
        if (method == null) {
            return "no method " + name + "/" + raw.length;
        }
        method.setAccessible(true);
        Object[] args = new Object[raw.length];
        for (int i = 0; i < raw.length; i++) {
            args[i] = parse(method.getParameterTypes()[i], raw[i]);
        }
        Class<?> type = owner;
        Object target = Modifier.isStatic(method.getModifiers()) ? null
                : INSTANCES.computeIfAbsent(owner.getName(), k -> newInstance(type));
        try {
            return "ok " + render(method.invoke(target, args));
        } catch (InvocationTargetException e) {
            return "threw " + e.getCause().getClass().getName() + " " + e.getCause().getMessage();
        }
    }

    private static Object newInstance(Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object parse(Class<?> type, String text) {
        if (text.equals("null") && !type.isPrimitive()) {
            return null;
        }
        if (type == long.class || type == Long.class) {
            return Long.parseLong(text);
        }
        if (type == int.class || type == Integer.class) {
            return Integer.parseInt(text);
        }
        if (type == double.class) {
            return Double.parseDouble(text);
        }
        if (type == int[].class) {
            return Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
        }
        if (type == List.class) {
            return Arrays.stream(text.split(",")).map(Long::parseLong).toList();
        }
        if (type == boolean.class) {
            return Boolean.parseBoolean(text);
        }
        if (type == UUID.class) {
            return UUID.fromString(text);
        }
        if (type == Products.Color.class) {
            return Products.Color.valueOf(text);
        }
        if (type == Products.Key.class) {
            String[] parts = text.split("/");
            return new Products.Key(parts[0], Integer.parseInt(parts[1]));
        }
        if (type == Object.class) {
            return text.equals("hostile") ? new dev.tiered.it.fixture.Hostile() : List.of(text);
        }
        return text;
    }

    private static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof java.util.concurrent.CompletionStage) {
            try {
                return "future " + render(((java.util.concurrent.CompletionStage<?>) value).toCompletableFuture()
                        .get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                return "future failed " + e;
            }
        }
        if (value.getClass().isArray()) {
            return Arrays.deepToString(new Object[] {value});
        }
        return value.toString();
    }

    private static String stat(String namespace, String attribute) throws Exception {
        try {
            return ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new ObjectName("dev.tiered:type=Namespace,name=" + namespace), attribute).toString();
        } catch (InstanceNotFoundException e) {
            return "absent";
        }
    }

    /** The runtime's namespaces, sorted, or "absent" before its MBean is registered. */
    private static String namespaces() throws Exception {
        try {
            String[] names = (String[]) ManagementFactory.getPlatformMBeanServer()
                    .getAttribute(new ObjectName("dev.tiered:type=Runtime"), "Namespaces");
            Arrays.sort(names);
            return String.join(",", names);
        } catch (InstanceNotFoundException e) {
            return "absent";
        }
    }

    /** {@code name attribute=value} for every attribute of every {@code dev.tiered:*} MBean, joined by " ; ". */
    private static String mbeans() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<String> parts = new ArrayList<>();
        for (ObjectName name : new TreeSet<>(server.queryNames(new ObjectName("dev.tiered:*"), null))) {
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                String value;
                try {
                    Object v = server.getAttribute(name, attribute.getName());
                    value = v instanceof Object[] ? Arrays.deepToString((Object[]) v) : String.valueOf(v);
                } catch (JMException | RuntimeException e) {
                    value = "unreadable " + e;
                }
                parts.add(name + " " + attribute.getName() + "=" + value);
            }
        }
        return parts.isEmpty() ? "absent" : String.join(" ; ", parts).replace('\n', ' ');
    }

    private static String parallel(int threads, String[] call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(POOL.submit(() -> {
                start.await();
                return call(call);
            }));
        }
        start.countDown();
        List<String> distinct = new ArrayList<>();
        for (Future<String> f : futures) {
            String reply = f.get(60, TimeUnit.SECONDS);
            if (!distinct.contains(reply)) {
                distinct.add(reply);
            }
        }
        return String.join(" | ", distinct);
    }

    private static String isolated(Path classes, Path annotations) throws Exception {
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL(), annotations.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Class<?> isolated = loader.loadClass("dev.tiered.it.fixture.Isolated");
        if (isolated.getClassLoader() != loader) {
            return "loaded by the wrong loader: " + isolated.getClassLoader();
        }
        Object instance = isolated.getDeclaredConstructor().newInstance();
        Method value = isolated.getMethod("value", long.class);
        String first = (String) value.invoke(instance, 1L);
        String second = (String) value.invoke(instance, 1L);
        return first + " " + second + " runs=" + isolated.getField("runs").get(null);
    }
}
