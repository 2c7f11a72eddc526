package dev.tiered.sample;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@link CatalogCachingScenarios} without a single annotation: the repository compiled from its source with every
 * annotation taken out ({@link UnannotatedRepository}), first on the class path, and {@code catalog-rules.yaml}
 * declaring the same caching. The same hit and invalidation behaviour is expected of it.
 */
class CatalogRulesIT extends CatalogCachingScenarios {
    private static final Path RULES = Path.of("catalog-rules.yaml").toAbsolutePath();

    @Override
    Map<String, String> settings() {
        return Map.of("tiered.rules", RULES.toString());
    }

    @Test
    void whatCachesTheRepositoryIsTheRulesFile() {
        String transcript = first.transcript();
        assertTrue(transcript.contains("INFO tiered - rules file " + RULES + ": 2 cached and 1 invalidating methods "
                + "named"), transcript);
        assertFalse(transcript.contains("WARN tiered"), transcript);
    }

    @Override
    List<Path> classpathFirst() throws Exception {
        return List.of(UnannotatedRepository.compile());
    }
}
