package dev.tiered.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The JDKs a test may run a child JVM on: the one running the test, {@code NEWEST_JDK_HOME}, and /usr/lib/jvm. */
public final class Jdks {
    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    private Jdks() {}

    /** A JDK home with its feature release (17, 21, 25...). */
    public record Jdk(Path home, int feature) {
        public Path java() {
            return home.resolve("bin").resolve("java");
        }
    }

    /**
     * The newest JDK whose feature release is at least {@code feature}: the running one if it is new enough, else
     * the newest of {@code NEWEST_JDK_HOME} and the JDKs under /usr/lib/jvm.
     *
     * @throws IllegalStateException naming where it looked, when none is new enough
     */
    public static Jdk atLeast(int feature) {
        int running = Runtime.version().feature();
        if (running >= feature) {
            return new Jdk(Path.of(System.getProperty("java.home")), running);
        }
        List<Path> homes = new ArrayList<>();
        String env = System.getenv("NEWEST_JDK_HOME");
        if (env != null && !env.isBlank()) {
            homes.add(Path.of(env));
        }
        Path system = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(system)) {
            try (Stream<Path> children = Files.list(system)) {
                children.forEach(homes::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Optional<Jdk> newest = homes.stream().map(Jdks::read).flatMap(Optional::stream)
                .filter(jdk -> jdk.feature() >= feature && Files.isExecutable(jdk.java()))
                .max((a, b) -> Integer.compare(a.feature(), b.feature()));
        return newest.orElseThrow(() -> new IllegalStateException("this test needs JDK " + feature + " or later: "
                + "the running JDK is " + running + ", and neither NEWEST_JDK_HOME (" + env + ") nor " + system
                + " has one; install one (e.g. apt-get install openjdk-21-jdk-headless) or set NEWEST_JDK_HOME"));
    }

    private static Optional<Jdk> read(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            Matcher m = VERSION.matcher(Files.readString(release));
            return m.find() ? Optional.of(new Jdk(home, Integer.parseInt(m.group(1)))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
