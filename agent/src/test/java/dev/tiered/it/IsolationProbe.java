package dev.tiered.it;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The application side of the isolation test: it uses its own Caffeine and its own SLF4J binding, which are not the
 * versions the agent bundles. Loaded only in that test's JVM.
 */
public final class IsolationProbe {
    private IsolationProbe() {}

    public static String run(String command) {
        switch (command) {
            case "versions":
                return "caffeine=" + jarOf(Caffeine.class) + " slf4j=" + jarOf(org.slf4j.LoggerFactory.class);
            case "cache": {
                Cache<String, String> cache = Caffeine.newBuilder().maximumSize(10).build();
                cache.put("k", "application's own cache");
                return cache.getIfPresent("k");
            }
            case "log":
                org.slf4j.LoggerFactory.getLogger("application").info("hello from the application's SLF4J");
                return "logged";
            default:
                return "unknown probe " + command;
        }
    }

    private static String jarOf(Class<?> type) {
        String path = type.getProtectionDomain().getCodeSource().getLocation().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
