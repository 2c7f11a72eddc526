package dev.tiered.it;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.tiered.Provenance;

/**
 * The application side of the redeploy test: deploys {@code dev.tiered.it.fixture.Deployed} into a fresh
 * {@link URLClassLoader} (parent: the platform loader) per deployment, calls it, undeploys it, and counts the loaders
 * that are still alive after a full GC. Only the current deployment is held strongly; the others only weakly.
 */
final class Redeploys {
    private static final String CLASS = "dev.tiered.it.fixture.Deployed";
    private static final List<WeakReference<ClassLoader>> UNDEPLOYED = new ArrayList<>();
    private static URLClassLoader current;
    private static Object instance;

    private Redeploys() {}

    /**
     * {@code deploy classes annotations}: a new deployment, whose {@code find(1)} is called twice and {@code all()}
     * twice. Reply: {@code first=<where find's first call came from> value=<its name> all=<where all's first call
     * came from> findRuns=<n> allRuns=<n>}, counted in this deployment.
     */
    static String deploy(Path classes, Path annotations) throws Exception {
        if (current != null) {
            return "error: undeploy first";
        }
        current = new URLClassLoader(new URL[] {classes.toUri().toURL(), annotations.toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
        Class<?> type = current.loadClass(CLASS);
        instance = type.getDeclaredConstructor().newInstance();
        Method find = type.getMethod("find", long.class);
        Object first = find.invoke(instance, 1L);
        String firstSource = source();
        Object second = find.invoke(instance, 1L);
        if (second != first && !second.equals(first)) {
            return "error: the second call returned " + second + " after " + first;
        }
        Method all = type.getMethod("all");
        all.invoke(null);
        String allSource = source();
        all.invoke(null);
        return "first=" + firstSource + " value=" + first.getClass().getMethod("name").invoke(first)
                + " all=" + allSource + " " + runs(type);
    }

    /** {@code rename id name}: renames through the current deployment, then reads it back with find and all. */
    static String rename(long id, String name) throws Exception {
        Class<?> type = instance.getClass();
        type.getMethod("rename", long.class, String.class).invoke(instance, id, name);
        Object item = type.getMethod("find", long.class).invoke(instance, id);
        type.getMethod("all").invoke(null);
        return "value=" + item.getClass().getMethod("name").invoke(item) + " " + runs(type);
    }

    private static String runs(Class<?> type) throws ReflectiveOperationException {
        return "findRuns=" + type.getField("findRuns").get(null) + " allRuns=" + type.getField("allRuns").get(null);
    }

    private static String source() {
        return Provenance.lastCall().map(p -> p.source().name()).orElse("none");
    }

    /** Closes the current deployment's loader and lets go of it. */
    static String undeploy() throws Exception {
        current.close();
        UNDEPLOYED.add(new WeakReference<>(current));
        current = null;
        instance = null;
        return "undeployed " + UNDEPLOYED.size();
    }

    /**
     * Collects garbage until every undeployed loader is gone, for at most {@code seconds}: {@code alive=<n> of <m>}.
     * A loader's class loading lock and soft caches may take more than one GC to let go of it.
     */
    static String collected(int seconds) throws InterruptedException {
        return "alive=" + alive(UNDEPLOYED, seconds) + " of " + UNDEPLOYED.size();
    }

    private static long alive(List<WeakReference<ClassLoader>> loaders, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long alive;
        do {
            System.gc();
            alive = loaders.stream().filter(r -> r.get() != null).count();
            if (alive == 0) {
                break;
            }
            Thread.sleep(50); // the GC's reference processing runs concurrently with this thread
        } while (System.nanoTime() < deadline);
        return alive;
    }
}
