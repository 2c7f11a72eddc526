package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tiered.runtime.l2.ValueCodec;

/**
 * A class that changed between two deploys: the old deploy's L2 entries are misses for the new one, never an error
 * or a wrong value. Each pair is two versions of the same class names, compiled here and loaded each in a class
 * loader of its own with a holder whose {@code value()} method returns a sample, as two deploys of one application
 * would. Every class pins its {@code serialVersionUID}, as applications often do: Java serialization then reads an
 * old stream into the new class without complaint (missing fields take their defaults, removed ones are dropped,
 * and a retyped object field takes whatever the stream holds), so only the codec's fingerprint stands in the way.
 */
class ChangedClassTest {
    private static final String SUID = "private static final long serialVersionUID = 1L;";

    /** Per pair (its package): the sources of the old deploy and of the new one. */
    private static final Map<String, List<Map<String, String>>> PAIRS = Map.of(
            "added", List.of(
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public String name = \"widget\"; }"),
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public String name = \"widget\"; public int stock = 3; }")),
            "removed", List.of(
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public String name = \"widget\"; public String note = \"fragile\"; }"),
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public String name = \"widget\"; }")),
            "retyped", List.of(
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public CharSequence label = \"widget\"; }"),
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public long id = 7; public String label = \"widget\"; }")),
            "retypedArgument", List.of(
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public java.util.List<String> tags = new java.util.ArrayList<>(java.util.List.of(\"a\")); }"),
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                            + " public java.util.List<Integer> tags = new java.util.ArrayList<>(java.util.List.of(1)); }")),
            "nested", List.of(
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                                    + " public long id = 7; }",
                            "Order", "public class Order implements java.io.Serializable { " + SUID
                                    + " public Item item = new Item(); }"),
                    Map.of("Item", "public class Item implements java.io.Serializable { " + SUID
                                    + " public long id = 7; public long warehouse = 2; }",
                            "Order", "public class Order implements java.io.Serializable { " + SUID
                                    + " public Item item = new Item(); }")),
            "recordComponentAdded", List.of(
                    Map.of("Item", "public record Item(long id, String name) implements java.io.Serializable {"
                            + " public Item() { this(7, \"widget\"); } }"),
                    Map.of("Item", "public record Item(long id, String name, int stock) implements java.io.Serializable {"
                            + " public Item() { this(7, \"widget\", 3); } }")));

    /** What each pair's holder returns: the changed class itself, or a list of a class that holds it. */
    private static final Map<String, String> RETURNS = Map.of("nested", "java.util.List<Order>");

    @TempDir
    static Path dir;

    private final List<URLClassLoader> loaders = new ArrayList<>();

    @AfterEach
    void closeLoaders() throws IOException {
        for (URLClassLoader loader : loaders) {
            loader.close();
        }
    }

    @BeforeAll
    static void compileBothDeploys() throws IOException {
        for (int deploy = 0; deploy < 2; deploy++) {
            List<String> files = new ArrayList<>();
            for (Map.Entry<String, List<Map<String, String>>> pair : PAIRS.entrySet()) {
                String pkg = pair.getKey();
                Map<String, String> classes = pair.getValue().get(deploy);
                for (Map.Entry<String, String> c : classes.entrySet()) {
                    files.add(write(deploy, pkg, c.getKey(), "package " + pkg + "; " + c.getValue()).toString());
                }
                String returns = RETURNS.getOrDefault(pkg, "Item");
                String sample = returns.equals("Item") ? "new Item()"
                        : "new java.util.ArrayList<>(java.util.List.of(new Order()))";
                files.add(write(deploy, pkg, "Holder", "package " + pkg + "; public class Holder { public " + returns
                        + " value() { return " + sample + "; } }").toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes(deploy).toString()));
            args.addAll(files);
            int status = javac.run(null, errors, errors, args.toArray(new String[0]));
            assertEquals(0, status, "javac failed: " + errors);
        }
    }

    private static Path write(int deploy, String pkg, String name, String source) throws IOException {
        Path file = dir.resolve("src" + deploy).resolve(pkg).resolve(name + ".java");
        Files.createDirectories(file.getParent());
        return Files.writeString(file, source);
    }

    private static Path classes(int deploy) {
        return dir.resolve("classes" + deploy);
    }

    /** One deploy of one pair: its holder's method, loaded by a class loader of its own. */
    private Method valueMethod(int deploy, String pkg) throws Exception {
        URLClassLoader loader = new URLClassLoader("deploy" + deploy,
                new URL[] {classes(deploy).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        loaders.add(loader);
        return loader.loadClass(pkg + ".Holder").getMethod("value");
    }

    private static ValueCodec codec(Method method) {
        return ValueCodec.of(method, List.of(), 1 << 20);
    }

    static Stream<Arguments> pairs() {
        return PAIRS.keySet().stream().sorted().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void anEntryWrittenBeforeTheClassChangedIsAMissAfterwards(String pkg) throws Exception {
        Method before = valueMethod(0, pkg);
        Method after = valueMethod(1, pkg);
        byte[] written = codec(before).encode(before.invoke(before.getDeclaringClass().getConstructor().newInstance()));
        ValueCodec reading = codec(after);
        try {
            Object decoded = reading.decode(written);
            throw new AssertionError(pkg + ": an entry of the old class was decoded by the new deploy as " + decoded);
        } catch (ValueCodec.DecodeException expected) {
            // a miss
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairs")
    void anEntryOfAnUnchangedClassStillHitsAfterARedeploy(String pkg) throws Exception {
        Method before = valueMethod(0, pkg);
        Method redeployed = valueMethod(0, pkg);
        assertNotSame(before.getDeclaringClass(), redeployed.getDeclaringClass(), "two loaders, as two deploys");
        Object value = before.invoke(before.getDeclaringClass().getConstructor().newInstance());
        byte[] written = codec(before).encode(value);
        Object decoded = codec(redeployed).decode(written);
        assertTrue(decoded != null && redeployed.getReturnType().isInstance(decoded), String.valueOf(decoded));
        assertArrayEquals(written, codec(redeployed).encode(decoded), "the same value, written the same way");
    }
}
