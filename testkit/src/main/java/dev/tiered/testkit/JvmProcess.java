package dev.tiered.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A child JVM, typically started with {@code -javaagent:}, that the parent drives line by line.
 *
 * <p>Protocol: the parent writes one command per line to the child's stdin; the child answers each with exactly one
 * line on stdout that starts with {@link #REPLY}. Every other line of stdout and stderr is kept, in order, so that a
 * test can assert on what the agent logged.
 */
public final class JvmProcess implements AutoCloseable {
    /** Prefix of a reply line on the child's stdout. */
    public static final String REPLY = "@@ ";

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final List<String> command;

    private JvmProcess(String name, List<String> command, Map<String, String> env) {
        this.name = name;
        this.command = List.copyOf(command);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), line -> {
            if (line.startsWith(REPLY)) {
                replies.add(line.substring(REPLY.length()));
            } else {
                stdout.add(line);
            }
        }, name + "-stdout");
        pump(process.getErrorStream(), stderr::add, name + "-stderr");
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The path of the {@code java} launcher of the running JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public long pid() {
        return process.pid();
    }

    /** Sends one command line and returns the child's reply (without the {@link #REPLY} prefix). */
    public String request(String line) {
        return request(line, Duration.ofSeconds(60));
    }

    public synchronized String request(String line, Duration timeout) {
        try {
            stdin.write(line);
            stdin.write('\n');
            stdin.flush();
            String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply == null) {
                throw new AssertionError(name + " did not answer '" + line + "' within " + timeout.toMillis()
                        + " ms (alive: " + process.isAlive() + ")\n" + transcript());
            }
            return reply;
        } catch (IOException e) {
            throw new AssertionError(name + " cannot be written to (alive: " + process.isAlive() + ")\n"
                    + transcript(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Lines the child wrote to stdout (replies excluded). */
    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    /** Lines the child wrote to stderr, where the agent logs. */
    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    public List<String> stderrMatching(Predicate<String> filter) {
        return stderr.stream().filter(filter).collect(Collectors.toList());
    }

    public void awaitStderr(String what, Duration timeout, Predicate<String> line) {
        Await.until(name + " to log " + what, timeout, () -> stderr.stream().anyMatch(line));
    }

    /**
     * The lines of standard error that match, once one has been read: standard error is read by another thread, so
     * a line the child wrote before answering a request may not have been read yet when the answer arrives.
     */
    public List<String> awaitStderrMatching(String what, Duration timeout, Predicate<String> filter) {
        awaitStderr(what, timeout, filter);
        return stderrMatching(filter);
    }

    /** Waits for the child to exit on its own and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " did not exit within " + timeout.toMillis() + " ms\n" + transcript());
            }
            // let the pumps drain what the process wrote last
            Await.until(name + " output to drain", Duration.ofSeconds(5), () -> !pumpsRunning());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private final List<Thread> pumps = new ArrayList<>();

    private boolean pumpsRunning() {
        return pumps.stream().anyMatch(Thread::isAlive);
    }

    /** Everything the child printed, for failure messages. */
    public String transcript() {
        return "--- " + name + " command: " + String.join(" ", command)
                + "\n--- stdout:\n" + String.join("\n", stdout)
                + "\n--- stderr:\n" + String.join("\n", stderr) + "\n---";
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // the child may already be gone
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pump(InputStream stream, java.util.function.Consumer<String> sink, String threadName) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, threadName);
        thread.setDaemon(true);
        thread.start();
        pumps.add(thread);
    }

    /** Builds the command line of a child JVM. */
    public static final class Builder {
        private final String name;
        private final List<String> jvmArgs = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> classpath = new ArrayList<>();
        private String javaCommand = javaExecutable();
        private String mainClass;
        private Path jar;
        private final List<String> args = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Runs the child on another JDK: its {@code java} executable (by default, the one of this JVM). */
        public Builder java(Path executable) {
            this.javaCommand = executable.toAbsolutePath().toString();
            return this;
        }

        public Builder javaagent(Path agentJar) {
            jvmArgs.add("-javaagent:" + agentJar.toAbsolutePath());
            return this;
        }

        /** C1 only and a small heap: a child that starts fast, for tests that do not measure speed. */
        public Builder fastStartup() {
            jvmArgs.add("-XX:TieredStopAtLevel=1");
            jvmArgs.add("-XX:+UseSerialGC");
            jvmArgs.add("-Xmx256m");
            return this;
        }

        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        public Builder classpath(Path... entries) {
            for (Path entry : entries) {
                classpath.add(entry.toAbsolutePath().toString());
            }
            return this;
        }

        public Builder classpath(List<Path> entries) {
            return classpath(entries.toArray(Path[]::new));
        }

        public Builder main(String mainClass, String... args) {
            this.mainClass = mainClass;
            this.args.addAll(List.of(args));
            return this;
        }

        /** Runs an executable jar ({@code java -jar jar args...}) instead of a main class. */
        public Builder jar(Path jar, String... args) {
            this.jar = jar;
            this.args.addAll(List.of(args));
            return this;
        }

        public JvmProcess start() {
            List<String> command = new ArrayList<>();
            command.add(javaCommand);
            command.addAll(jvmArgs);
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            if (!classpath.isEmpty()) {
                command.add("-cp");
                command.add(String.join(java.io.File.pathSeparator, classpath));
            }
            if (jar != null) {
                command.add("-jar");
                command.add(jar.toAbsolutePath().toString());
            } else {
                command.add(mainClass);
            }
            command.addAll(args);
            return new JvmProcess(name, command, env);
        }
    }
}
