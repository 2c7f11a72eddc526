package dev.tiered.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.tools.ToolProvider;

/**
 * {@link ProductRepository} as a team that cannot annotate it would have it: its own source with every
 * {@code @Tiered}, {@code @Invalidates} and {@code @CacheKey} (and their imports) taken out, compiled into a
 * directory of its own.
 */
final class UnannotatedRepository {
    private UnannotatedRepository() {}

    /** The directory of the compiled class. */
    static Path compile() throws Exception {
        String source = Files.readString(Path.of("src/main/java/dev/tiered/sample/ProductRepository.java"));
        String stripped = source.replaceAll("(?m)^import dev\\.tiered\\.(Tiered|Invalidates|CacheKey);\\R", "")
                .replaceAll("(?m)^\\s*@(Tiered|Invalidates)\\([^)]*\\)\\R", "")
                .replaceAll("@CacheKey ", "");
        assertFalse(stripped.matches("(?s).*@(Tiered|Invalidates|CacheKey)\\b.*"), "every annotation taken out");
        Path dir = Files.createTempDirectory("unannotated-repository");
        Path file = dir.resolve("src/dev/tiered/sample/ProductRepository.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, stripped);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "17", "-cp",
                System.getProperty("java.class.path"), "-d", classes.toString(), file.toString()), "compiled");
        byte[] bytes = Files.readAllBytes(classes.resolve("dev/tiered/sample/ProductRepository.class"));
        assertFalse(new String(bytes, StandardCharsets.ISO_8859_1).matches(
                "(?s).*Ldev/tiered/(Tiered|Invalidates|CacheKey);.*"), "no annotation left in the class file");
        return classes;
    }
}
