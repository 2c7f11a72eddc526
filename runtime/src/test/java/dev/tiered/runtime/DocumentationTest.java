package dev.tiered.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tiered.runtime.config.TieredConfig;
import dev.tiered.runtime.observe.MethodMXBean;
import dev.tiered.runtime.observe.NamespaceMXBean;
import dev.tiered.runtime.observe.TieredMXBean;

/** Every setting and every metric is in the README, under the name the code uses. */
class DocumentationTest {
    private static final String README = readme();

    private static String readme() {
        try {
            return Files.readString(Path.of("..", "README.md"));
        } catch (IOException e) {
            throw new IllegalStateException("the README is read from the runtime module's parent folder", e);
        }
    }

    @Test
    void everyPropertyIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (String property : TieredConfig.knownProperties()) {
            if (!README.contains("`" + property + "`")) {
                missing.add(property);
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyMetricAndOperationIsDocumented() {
        List<String> missing = new ArrayList<>();
        for (Class<?> view : List.of(NamespaceMXBean.class, MethodMXBean.class, TieredMXBean.class)) {
            for (Method m : view.getMethods()) {
                if (!m.getName().matches("(get|is|set)[A-Z].*")) {
                    if (!README.contains("`" + m.getName() + "(")) {
                        missing.add(m.getName() + "()");
                    }
                    continue;
                }
                String attribute = m.getName().replaceFirst("^(get|is|set)", "");
                String shortForm = attribute.replaceFirst("^PropagationLagMillis", "…");
                if (!README.contains("`" + attribute + "`") && !README.contains("`" + shortForm + "`")) {
                    missing.add(attribute);
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}
