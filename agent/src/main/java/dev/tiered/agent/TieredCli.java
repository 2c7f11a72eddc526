package dev.tiered.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The agent jar's command line, {@code java -jar tiered-agent.jar stats <pid>}: a live view of the tiered MBeans of
 * another JVM on this machine, one table per interval, each figure over that interval.
 *
 * <p>It is the jar's {@code Main-Class}, loaded by the system class loader from the jar's root like
 * {@link TieredAgent}, and uses the JDK only: it attaches with {@code jdk.attach}, starts the target's local JMX
 * agent and reads {@code dev.tiered:type=Runtime} and {@code dev.tiered:type=Namespace,name=*}. Nothing of the
 * engine under {@code inst/} is loaded. Everything that needs {@code jdk.attach} or JMX lives in {@link Session},
 * so that a Java runtime without those modules gets one line saying so rather than a linkage error.
 *
 * <p>Exit codes: 0 done (or interrupted), 1 the JVM cannot be read (no such process, attach refused, no tiered
 * MBeans, a runtime without {@code jdk.attach}), 2 a malformed command line.
 */
public final class TieredCli {
    static final String USAGE = "usage: java -jar tiered-agent.jar stats <pid> [--once] [--interval <duration>]\n"
            + "  a table per namespace every interval (default 2s) until Ctrl-C; --once: one table after one interval\n"
            + "       java -jar tiered-agent.jar detach <pid>\n"
            + "  takes tiered out of the JVM: original bytecode back, threads and connections closed\n"
            + "       java -jar tiered-agent.jar attach <pid>\n"
            + "  loads this agent into a running JVM (settings: the JVM's tiered.* properties and TIERED_* variables)\n"
            + "       java -jar tiered-agent.jar rules <pid> reload\n"
            + "  re-reads the JVM's tiered.rules file and rewrites the classes whose rules changed\n"
            + "       java -jar tiered-agent.jar advise <pid> <pattern>\n"
            + "  starts the advisor on the classes of com.acme.** / com.acme.* / a class; a JVM without tiered gets\n"
            + "  it attached to advise only (tiered.advise.only: nothing is cached)\n"
            + "       java -jar tiered-agent.jar advise <pid> [--rules <file>]\n"
            + "  the advisor's ranked table (tiered.advise); --rules: also writes its proposed rules file";
    static final int OK = 0;
    static final int UNREADABLE = 1;
    static final int MALFORMED = 2;

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** How long {@code advise <pid> <pattern>} waits for tiered it attached to start. */
    private static final Duration START_WAIT = Duration.ofSeconds(30);
    private static final Duration SHORTEST_INTERVAL = Duration.ofMillis(100);
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private TieredCli() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != OK) {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null) {
                err.println("tiered: " + e.getMessage());
            }
            err.println(USAGE);
            return MALFORMED;
        }
        for (String module : List.of("jdk.attach", "java.management.rmi")) {
            if (ModuleLayer.boot().findModule(module).isEmpty()) {
                err.println("tiered: this Java runtime (" + System.getProperty("java.home") + ") has no module "
                        + module + ", which reading another JVM takes: run the command with the java of a JDK");
                return UNREADABLE;
            }
        }
        if (ProcessHandle.of(options.pid).isEmpty()) {
            err.println("tiered: no process " + options.pid + " on this machine");
            return UNREADABLE;
        }
        switch (options.command) {
            case "detach":
                return Session.invoke(options.pid, "detach", out, err);
            case "rules":
                return Session.invoke(options.pid, "reloadRules", out, err);
            case "advise":
                return options.pattern != null ? Session.startAdvising(options.pid, options.pattern, out, err)
                        : Session.advise(options.pid, options.rulesFile, out, err);
            case "attach":
                return Session.attach(options.pid, out, err);
            default:
                return Session.show(options, out, err);
        }
    }

    /** The parsed command line. */
    private static final class Options {
        final String command;
        final long pid;
        final boolean once;
        final Duration interval;
        /** {@code advise --rules}: where to write the proposed rules; {@code null} for none. */
        final Path rulesFile;
        /** {@code advise <pid> <pattern>}: the classes to start advising; {@code null} to read the advisor. */
        final String pattern;

        private Options(String command, long pid, boolean once, Duration interval, Path rulesFile,
                        String pattern) {
            this.command = command;
            this.pid = pid;
            this.once = once;
            this.interval = interval;
            this.rulesFile = rulesFile;
            this.pattern = pattern;
        }

        /** @throws IllegalArgumentException naming what is wrong, or without message for no arguments at all */
        static Options parse(String[] args) {
            if (args.length == 0) {
                throw new IllegalArgumentException();
            }
            String command = args[0];
            if (!List.of("stats", "detach", "attach", "rules", "advise").contains(command)) {
                throw new IllegalArgumentException("unknown command \"" + command + "\"");
            }
            Long pid = null;
            Path rulesFile = null;
            String pattern = null;
            boolean reload = false;
            boolean once = false;
            Duration interval = DEFAULT_INTERVAL;
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                if (command.equals("advise") && arg.equals("--rules")) {
                    if (++i == args.length) {
                        throw new IllegalArgumentException("--rules needs the path of the file to write");
                    }
                    rulesFile = Path.of(args[i]);
                } else if (!command.equals("stats") && arg.startsWith("--")) {
                    throw new IllegalArgumentException(command + " takes a pid only, not \"" + arg + "\"");
                } else if (arg.equals("--once")) {
                    once = true;
                } else if (arg.equals("--interval")) {
                    if (++i == args.length) {
                        throw new IllegalArgumentException("--interval needs a duration");
                    }
                    interval = interval(args[i]);
                } else if (arg.startsWith("--interval=")) {
                    interval = interval(arg.substring("--interval=".length()));
                } else if (pid == null && arg.matches("\\d{1,18}")) {
                    pid = Long.parseLong(arg);
                } else if (command.equals("advise") && pid != null && pattern == null && rulesFile == null
                        && !arg.startsWith("--")) {
                    pattern = arg;
                } else if (command.equals("rules") && pid != null && arg.equals("reload") && !reload) {
                    reload = true;
                } else {
                    throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
                }
            }
            if (pid == null) {
                throw new IllegalArgumentException(command + " needs the pid of a JVM"
                        + (command.equals("attach") ? "" : " running the tiered agent"));
            }
            if (command.equals("rules") && !reload) {
                throw new IllegalArgumentException("rules needs what to do: rules <pid> reload");
            }
            if (pattern != null && rulesFile != null) {
                throw new IllegalArgumentException("advise takes a pattern (to start the advisor) or --rules (to "
                        + "read it), not both");
            }
            return new Options(command, pid, once, interval, rulesFile, pattern);
        }

        /** As tiered's own durations: "500ms", "2s", "1m", or ISO-8601 ("PT2S"); at least 100 ms. */
        private static Duration interval(String text) {
            Duration d = null;
            Matcher m = SHORT_DURATION.matcher(text);
            if (m.matches()) {
                long amount = Long.parseLong(m.group(1));
                d = Duration.of(amount, m.group(2).equals("ms") ? ChronoUnit.MILLIS : m.group(2).equals("s")
                        ? ChronoUnit.SECONDS : m.group(2).equals("m") ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
            } else if (text.startsWith("P") || text.startsWith("p")) {
                try {
                    d = Duration.parse(text);
                } catch (DateTimeParseException ignored) {
                    // d stays null
                }
            }
            if (d == null || d.compareTo(SHORTEST_INTERVAL) < 0) {
                throw new IllegalArgumentException("--interval \"" + text + "\" is not a duration of at least 100ms "
                        + "(\"500ms\", \"2s\", \"1m\")");
            }
            return d;
        }
    }

    /** One namespace's counters at one moment; {@code staleDrops} is -1 where the agent has no such attribute. */
    private static final class Counters {
        final long calls;
        final long l1Hits;
        final long l2Hits;
        final long misses;
        final long staleDrops;
        final double loadMillisP99;
        /** The namespace's health state; {@code null} from an agent older than health states. */
        final String health;

        Counters(Map<String, Object> attributes) {
            health = attributes.get("Health") instanceof String h ? h : null;
            calls = number(attributes, "Calls");
            l1Hits = number(attributes, "L1Hits");
            l2Hits = number(attributes, "L2Hits");
            misses = number(attributes, "Misses");
            staleDrops = attributes.containsKey("StaleDrops") ? number(attributes, "StaleDrops") : -1;
            Object p99 = attributes.get("LoadMillisP99");
            loadMillisP99 = p99 instanceof Number ? ((Number) p99).doubleValue() : 0;
        }

        private static long number(Map<String, Object> attributes, String name) {
            Object value = attributes.get(name);
            return value instanceof Number ? ((Number) value).longValue() : 0;
        }
    }

    /** What one read of the target returned. */
    private static final class Reading {
        final long nanos;
        final String redis;
        final String bus;
        final String breaker;
        /** The JVM's health state and its reason; {@code null} from an agent older than health states. */
        final String health;
        final String healthReason;
        final Map<String, Counters> namespaces;

        Reading(long nanos, String redis, String bus, String breaker, String health, String healthReason,
                Map<String, Counters> namespaces) {
            this.nanos = nanos;
            this.health = health;
            this.healthReason = healthReason;
            this.redis = redis;
            this.bus = bus;
            this.breaker = breaker;
            this.namespaces = namespaces;
        }
    }

    /** The table of one interval: from {@code before} to {@code now}. */
    static String table(long pid, Reading before, Reading now) {
        double seconds = Math.max(now.nanos - before.nanos, 1) / 1e9;
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"namespace", "calls/s", "L1 %", "L2 %", "miss %", "p99 load ms", "stale drops",
                "health"});
        now.namespaces.forEach((name, c) -> {
            Counters b = before.namespaces.get(name);
            if (b == null || c.calls < b.calls) {
                b = new Counters(Map.of()); // new since the last read, or reset through JMX: count from zero
            }
            long calls = c.calls - b.calls;
            rows.add(new String[] {
                name,
                String.format(Locale.ROOT, "%,.1f", calls / seconds),
                percent(c.l1Hits - b.l1Hits, calls),
                percent(c.l2Hits - b.l2Hits, calls),
                percent(c.misses - b.misses, calls),
                c.loadMillisP99 > 0 ? String.format(Locale.ROOT, "%,.1f", c.loadMillisP99) : "-",
                c.staleDrops < 0 ? "-" : String.format(Locale.ROOT, "%,d", Math.max(0, c.staleDrops
                        - Math.max(0, b.staleDrops))),
                c.health != null ? c.health : "breaker-" + now.breaker});
        });
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(LocalTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_LOCAL_TIME))
                .append(" JVM ").append(pid).append(now.health == null ? "" : ", health " + now.health)
                .append(", Redis ").append(now.redis).append(", bus ").append(now.bus)
                .append(String.format(Locale.ROOT, ", over the last %.1f s", seconds)).append('\n');
        if (now.health != null && !now.health.equals("caching")) {
            sb.append("  ").append(now.healthReason).append('\n');
        }
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                // the namespace and the health left-aligned, figures right-aligned
                boolean left = i == 0 || i == row.length - 1;
                String cell = pad(row[i], widths[i], left);
                sb.append(i == 0 ? "" : "  ").append(i == row.length - 1 ? cell.stripTrailing() : cell);
            }
            sb.append('\n');
        }
        if (rows.size() == 1) {
            sb.append("(no namespace yet: no @Tiered method has been registered)\n");
        }
        return sb.toString();
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "-" : String.format(Locale.ROOT, "%.1f", Math.max(0, part) * 100.0 / whole);
    }

    private static String pad(String text, int width, boolean left) {
        String padding = " ".repeat(width - text.length());
        return left ? text + padding : padding + text;
    }

    /** An attached JVM's tiered MBeans, read over its local JMX connector. */
    private static final class Session {
        private static final String[] NAMESPACE_ATTRIBUTES =
                {"Name", "Calls", "L1Hits", "L2Hits", "Misses", "LoadMillisP99", "StaleDrops", "Health"};

        private final MBeanServerConnection server;
        private final ObjectName runtime;
        private final ObjectName namespaces;

        private Session(MBeanServerConnection server) throws JMException {
            this.server = server;
            this.runtime = new ObjectName("dev.tiered:type=Runtime");
            this.namespaces = new ObjectName("dev.tiered:type=Namespace,*");
        }

        static int show(Options options, PrintStream out, PrintStream err) {
            String address;
            try {
                address = localConnectorAddress(options.pid);
            } catch (com.sun.tools.attach.AttachNotSupportedException | IOException e) {
                err.println("tiered: cannot attach to JVM " + options.pid + " (is it a JVM of this user?): "
                        + oneLine(e));
                return UNREADABLE;
            }
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                Session session = new Session(connector.getMBeanServerConnection());
                Reading before;
                try {
                    before = session.read();
                } catch (InstanceNotFoundException e) {
                    err.println("tiered: JVM " + options.pid + " has no tiered MBeans: it does not run the tiered "
                            + "agent, or the agent has not finished starting");
                    return UNREADABLE;
                }
                // on a fixed schedule, so that slow reads do not stretch the intervals
                long next = before.nanos;
                while (true) {
                    next += options.interval.toNanos();
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } else {
                        next = System.nanoTime(); // behind schedule (a long pause): start again from now
                    }
                    Reading now = session.read();
                    out.print(table(options.pid, before, now));
                    out.flush();
                    if (options.once) {
                        return OK;
                    }
                    out.println();
                    before = now;
                }
            } catch (IOException | JMException e) {
                err.println("tiered: lost JVM " + options.pid + ": " + oneLine(e));
                return UNREADABLE;
            } catch (InterruptedException e) {
                return OK;
            }
        }

        /** Loads the agent of this jar into a running JVM, which then logs what it did. */
        static int attach(long pid, PrintStream out, PrintStream err) {
            return attach(pid, null, out, err);
        }

        /** As {@link #attach(long, PrintStream, PrintStream)}, with the agent's arguments (settings). */
        static int attach(long pid, String arguments, PrintStream out, PrintStream err) {
            String jar;
            try {
                jar = Path.of(TieredCli.class.getProtectionDomain().getCodeSource().getLocation()
                        .toURI()).toString();
            } catch (java.net.URISyntaxException | RuntimeException e) {
                err.println("tiered: cannot find the agent jar of this command: " + oneLine(e));
                return UNREADABLE;
            }
            try {
                com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
                try {
                    vm.loadAgent(jar, arguments);
                } finally {
                    vm.detach();
                }
            } catch (com.sun.tools.attach.AttachNotSupportedException | com.sun.tools.attach.AgentLoadException
                     | com.sun.tools.attach.AgentInitializationException | IOException e) {
                err.println("tiered: cannot attach to JVM " + pid + " (is it a JVM of this user?): " + oneLine(e));
                return UNREADABLE;
            }
            out.println("tiered attached to JVM " + pid + " from " + jar + (arguments == null ? "" : " with "
                    + arguments) + "; its log says what it rewrote");
            return OK;
        }

        /**
         * Starts the advisor in the JVM on {@code pattern}. A JVM that does not run tiered gets it attached first,
         * advising only ({@code tiered.advise.only}: nothing is cached, annotations and rules are not applied).
         */
        static int startAdvising(long pid, String pattern, PrintStream out, PrintStream err) {
            boolean running;
            try {
                running = runsTiered(pid);
            } catch (com.sun.tools.attach.AttachNotSupportedException | IOException | JMException e) {
                err.println("tiered: cannot attach to JVM " + pid + " (is it a JVM of this user?): " + oneLine(e));
                return UNREADABLE;
            }
            if (!running) {
                int status = attach(pid, "tiered.advise.only=true", out, err);
                if (status != OK) {
                    return status;
                }
                status = awaitTiered(pid, err);
                if (status != OK) {
                    return status;
                }
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            int status = invoke(pid, "advise", pattern, new PrintStream(reply, true, StandardCharsets.UTF_8), err);
            String said = reply.toString(StandardCharsets.UTF_8);
            out.print(said);
            if (status != OK || running || said.startsWith("the advisor observes ")) {
                return status;
            }
            // the pattern was refused: the tiered this command attached has nothing to do there
            invoke(pid, "detach", out, err);
            return MALFORMED;
        }

        /** Whether the JVM has tiered's runtime MBean. */
        private static boolean runsTiered(long pid) throws com.sun.tools.attach.AttachNotSupportedException,
                IOException, JMException {
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(localConnectorAddress(pid)))) {
                return connector.getMBeanServerConnection().isRegistered(new ObjectName("dev.tiered:type=Runtime"));
            }
        }

        /** Waits, at most {@link #START_WAIT}, for tiered just attached to register its runtime MBean. */
        private static int awaitTiered(long pid, PrintStream err) {
            long deadline = System.nanoTime() + START_WAIT.toNanos();
            try {
                while (!runsTiered(pid)) {
                    if (System.nanoTime() - deadline > 0) {
                        err.println("tiered: attached to JVM " + pid + ", but it did not start within "
                                + START_WAIT.toSeconds() + " s; the JVM's log says why (tiered.enabled off, say)");
                        return UNREADABLE;
                    }
                    Thread.sleep(50);
                }
                return OK;
            } catch (com.sun.tools.attach.AttachNotSupportedException | IOException | JMException e) {
                err.println("tiered: lost JVM " + pid + ": " + oneLine(e));
                return UNREADABLE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return UNREADABLE;
            }
        }

        /** Prints the advisor's table; with {@code rulesFile}, writes its proposed rules there too. */
        static int advise(long pid, Path rulesFile, PrintStream out, PrintStream err) {
            int status = invoke(pid, "adviceTable", out, err);
            if (status != OK || rulesFile == null) {
                return status;
            }
            ByteArrayOutputStream rules = new ByteArrayOutputStream();
            status = invoke(pid, "adviceRules", new PrintStream(rules, true, StandardCharsets.UTF_8), err);
            if (status != OK) {
                return status;
            }
            try {
                Files.writeString(rulesFile, rules.toString(StandardCharsets.UTF_8));
                out.println("proposed rules written to " + rulesFile.toAbsolutePath());
                return OK;
            } catch (IOException e) {
                err.println("tiered: cannot write " + rulesFile + ": " + oneLine(e));
                return UNREADABLE;
            }
        }

        /** Invokes an operation of the target's runtime MBean ({@code reloadRules}, say); prints its answer. */
        static int invoke(long pid, String operation, PrintStream out, PrintStream err) {
            return invoke(pid, operation, null, out, err);
        }

        /** As {@link #invoke(long, String, PrintStream, PrintStream)}, with one string argument unless null. */
        static int invoke(long pid, String operation, String argument, PrintStream out, PrintStream err) {
            String address;
            try {
                address = localConnectorAddress(pid);
            } catch (com.sun.tools.attach.AttachNotSupportedException | IOException e) {
                err.println("tiered: cannot attach to JVM " + pid + " (is it a JVM of this user?): " + oneLine(e));
                return UNREADABLE;
            }
            try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                Object[] arguments = argument == null ? new Object[0] : new Object[] {argument};
                String[] signature = argument == null ? new String[0] : new String[] {String.class.getName()};
                Object answer = connector.getMBeanServerConnection().invoke(new ObjectName("dev.tiered:type=Runtime"),
                        operation, arguments, signature);
                out.println(answer);
                return OK;
            } catch (InstanceNotFoundException e) {
                err.println("tiered: JVM " + pid + " has no tiered MBeans: it does not run the tiered agent (or "
                        + "it detached already)");
                return UNREADABLE;
            } catch (IOException | JMException e) {
                err.println("tiered: lost JVM " + pid + ": " + oneLine(e));
                return UNREADABLE;
            }
        }

        /** Attaches, starts the target's local JMX agent (a no-op if it runs) and returns its address. */
        private static String localConnectorAddress(long pid)
                throws com.sun.tools.attach.AttachNotSupportedException, IOException {
            com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
            try {
                return vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        }

        /** @throws InstanceNotFoundException if the target has no tiered runtime MBean */
        Reading read() throws IOException, JMException {
            long start = System.nanoTime();
            Map<String, Object> rt = attributes(runtime, "Redis", "BusConnected", "CutOff", "L2Breaker", "Health",
                    "HealthReason");
            String redis = String.valueOf(rt.get("Redis"));
            String bus = "none".equals(redis) ? "none" : Boolean.TRUE.equals(rt.get("CutOff")) ? "lost, calls uncached"
                    : Boolean.TRUE.equals(rt.get("BusConnected")) ? "connected" : "disconnected";
            Map<String, Counters> byName = new TreeMap<>();
            for (ObjectName name : server.queryNames(namespaces, null)) {
                try {
                    Map<String, Object> values = attributes(name, NAMESPACE_ATTRIBUTES);
                    Object ns = values.get("Name");
                    byName.put(ns != null ? ns.toString() : name.getKeyProperty("name"), new Counters(values));
                } catch (InstanceNotFoundException unregisteredMeanwhile) {
                    // not shown in this table
                }
            }
            // the counters were read in between: the middle is the best estimate of their moment
            long middle = start + (System.nanoTime() - start) / 2;
            return new Reading(middle, redis, bus, String.valueOf(rt.get("L2Breaker")), (String) rt.get("Health"),
                    (String) rt.get("HealthReason"), byName);
        }

        /** The attributes of {@code name} that it has; an attribute of a newer agent is absent from an older one. */
        private Map<String, Object> attributes(ObjectName name, String... attributes)
                throws IOException, JMException {
            AttributeList list = server.getAttributes(name, attributes);
            Map<String, Object> values = new HashMap<>();
            for (Attribute a : list.asList()) {
                values.put(a.getName(), a.getValue());
            }
            return values;
        }

        private static String oneLine(Exception e) {
            String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            return message.replace('\n', ' ');
        }
    }
}
