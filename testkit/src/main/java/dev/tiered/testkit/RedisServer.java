package dev.tiered.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port, for tests and the demo.
 *
 * <p>The binary is the {@code redis-server} on the {@code PATH} when there is one (or the file named by the system
 * property {@code testkit.redis.server}), otherwise the Linux/macOS binary shipped inside the
 * {@code com.github.codemonstur:embedded-redis} jar. Persistence is off; the server's log goes to a file whose path
 * appears in every failure message.
 */
public final class RedisServer implements AutoCloseable {
    private static final Object SHARED_LOCK = new Object();
    private static RedisServer shared;

    private final Path binary;
    private final int port;
    private final List<String> extraArgs;
    /** A configuration file given before every option (a sentinel's, which it rewrites), or {@code null}. */
    private final Path config;
    private final Path workDir;
    private Process process;

    private RedisServer(Path binary, int port, List<String> extraArgs) {
        this(binary, port, extraArgs, null);
    }

    private RedisServer(Path binary, int port, List<String> extraArgs, Path config) {
        this.binary = binary;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.config = config;
        try {
            this.workDir = Files.createTempDirectory("tiered-redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a server with default settings on a free port. */
    public static RedisServer start(String... extraArgs) {
        return startOn(freePort(), extraArgs);
    }

    /** Starts a sentinel on a free port, with {@code config}, a file it may rewrite. */
    static RedisServer startSentinel(Path config) {
        RedisServer server = new RedisServer(binary(), freePort(), List.of("--sentinel"), config);
        server.launch();
        return server;
    }

    /** Starts a server with default settings on {@code port}: for a Redis that appears where a client looks. */
    public static RedisServer startOn(int port, String... extraArgs) {
        RedisServer server = new RedisServer(binary(), port, Arrays.asList(extraArgs));
        server.launch();
        return server;
    }

    /**
     * Starts a server that also speaks TLS, on a second free port ({@link #tlsPort()}), with the given PEM
     * certificate (chain) and private key; clients are not asked for a certificate. The plain port stays open for
     * {@link #command}. Every binary this harness finds by default (the embedded ones, Debian's) is built with TLS.
     *
     * @throws IllegalStateException naming the binary if it does not start, for instance because it was built
     *                               without TLS
     */
    public static RedisServer startWithTls(Path certificate, Path key, String... extraArgs) {
        int port = freePort();
        int tlsPort = freePort();
        while (tlsPort == port) {
            tlsPort = freePort();
        }
        List<String> args = new ArrayList<>(List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", certificate.toString(), "--tls-key-file", key.toString(),
                "--tls-auth-clients", "no"));
        args.addAll(Arrays.asList(extraArgs));
        Path binary = binary();
        RedisServer server = new RedisServer(binary, port, args);
        try {
            server.launch();
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw new IllegalStateException(binary + " did not start with TLS (a redis-server built without "
                    + "BUILD_TLS=yes cannot; name another with -Dtestkit.redis.server): " + e.getMessage(), e);
        }
        return server;
    }

    /**
     * One server per JVM, started on first use and stopped when the JVM exits. Tests that share it must not depend
     * on what other tests stored (use distinct key prefixes or namespaces).
     */
    public static RedisServer shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null || !shared.isRunning()) {
                shared = start();
                RedisServer server = shared;
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "redis-server-stop"));
            }
            return shared;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The port that speaks TLS, for a server from {@link #startWithTls}. */
    public int tlsPort() {
        int i = extraArgs.indexOf("--tls-port");
        if (i < 0) {
            throw new IllegalStateException("redis-server on port " + port + " was not started with TLS");
        }
        return Integer.parseInt(extraArgs.get(i + 1));
    }

    public Path logFile() {
        return workDir.resolve("redis.log");
    }

    /** Runs one command on a fresh connection; see {@link Resp}. */
    public Object command(String... args) {
        return Resp.command(port, password(), args);
    }

    /** Failed logins of {@code user} that the server recorded in its ACL log. */
    public long failedLogins(String user) {
        long count = 0;
        for (Object entry : (List<?>) command("ACL", "LOG")) {
            List<?> fields = (List<?>) entry;
            if (fields.contains("auth") && user.equals(fields.get(fields.indexOf("username") + 1))) {
                count += (Long) fields.get(fields.indexOf("count") + 1);
            }
        }
        return count;
    }

    public String version() {
        String info = (String) command("INFO", "server");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length());
            }
        }
        return "unknown";
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the process with SIGKILL: no shutdown, no save, connections reset. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitForExit();
        }
    }

    /** Stops the server (SIGTERM) and waits for it to exit. */
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            waitForExit();
        }
    }

    /**
     * Suspends the process (SIGSTOP): connections stay open and commands go unanswered, as with a server stuck in
     * a long command or a stalled host, until {@link #thaw()}.
     */
    public synchronized void freeze() {
        signal("STOP");
    }

    /** Resumes a frozen server (SIGCONT); it answers what it was sent meanwhile. */
    public synchronized void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal redis-server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling redis-server", e);
        }
    }

    /** Starts the server again on the same port, empty. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** Kills the server and deletes its working folder, log included. */
    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit();
        }
        try (java.util.stream.Stream<Path> files = Files.walk(workDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is no failure
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server on port " + port + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (config != null) {
            command.add(config.toString());
        }
        command.addAll(List.of("--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", workDir.toString()));
        command.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        Process started = process;
        Await.until("redis-server on port " + port + " to answer PING (log: " + logFile() + ")",
                Duration.ofSeconds(15), () -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException("redis-server exited with " + started.exitValue()
                                + "; log: " + readLog());
                    }
                    try {
                        return "PONG".equals(command("PING"));
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
    }

    private String password() {
        int i = extraArgs.indexOf("--requirepass");
        return i >= 0 && i + 1 < extraArgs.size() ? extraArgs.get(i + 1) : null;
    }

    private String readLog() {
        try {
            return Files.readString(logFile());
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** A port that was free a moment ago on the loopback interface. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The redis-server binary this machine will use: see the class comment. */
    public static synchronized Path binary() {
        String explicit = System.getProperty("testkit.redis.server");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        try {
            File file = ExecutableProvider.newJarResourceProvider().get();
            if (!file.canExecute() && !file.setExecutable(true)) {
                throw new IllegalStateException("cannot make " + file + " executable");
            }
            return file.toPath();
        } catch (IOException e) {
            throw new UncheckedIOException("no redis-server on the PATH and none could be extracted from embedded-redis", e);
        }
    }
}
