package dev.tiered.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.tiered.testkit.Await;

import dev.tiered.it.fixture.Broken;
import dev.tiered.it.fixture.FileStore;
import dev.tiered.it.fixture.Isolated;
import dev.tiered.it.fixture.Products;

class ClassFileFilterTest {

    private static byte[] bytesOf(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void classesThatUseTheAnnotationsAreRecognisedFromTheirBytes() throws IOException {
        assertTrue(ClassFileFilter.mentionsAnnotations(bytesOf(Products.class)));
        assertTrue(ClassFileFilter.mentionsAnnotations(bytesOf(Isolated.class)));
        assertTrue(ClassFileFilter.mentionsAnnotations(bytesOf(Broken.class)));
    }

    @Test
    void otherClassesArePassedOverWithoutParsing() throws IOException {
        assertFalse(ClassFileFilter.mentionsAnnotations(bytesOf(FileStore.class)));
        assertFalse(ClassFileFilter.mentionsAnnotations(bytesOf(String.class)));
        assertFalse(ClassFileFilter.mentionsAnnotations("Ldev/tiered/Tier;".getBytes()));
        assertFalse(ClassFileFilter.mentionsAnnotations("Ldev/tiered/Tiered".getBytes()));
        assertTrue(ClassFileFilter.mentionsAnnotations("xxLdev/tiered/Invalidates;".getBytes()));
    }

    private static final byte[] REWRITTEN = {1, 2, 3};
    private static final ClassFileTransformer ENGINE = new ClassFileTransformer() {
        @Override
        public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
                                java.security.ProtectionDomain domain, byte[] bytes) {
            return REWRITTEN;
        }
    };

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private ClassFileFilter filter(Duration wait) {
        return new ClassFileFilter(new ClassLoader(null) {}, wait.toNanos(), warnings::add);
    }

    private static byte[] transform(ClassFileFilter filter, Class<?> type) throws Exception {
        return filter.transform(null, ClassFileFilterTest.class.getClassLoader(), type.getName().replace('.', '/'),
                null, null, bytesOf(type));
    }

    /** Starts {@code filter} on {@code type} in another thread and returns once that thread waits for the engine. */
    private static CompletableFuture<byte[]> waiting(ClassFileFilter filter, Class<?> type, AtomicBoolean interrupted) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread loader = new Thread(() -> {
            if (interrupted != null) {
                Thread.currentThread().interrupt();
            }
            try {
                result.complete(transform(filter, type));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
            if (interrupted != null) {
                interrupted.set(Thread.currentThread().isInterrupted());
            }
        }, "class-loading");
        loader.start();
        Await.until("the class to wait for the engine", Duration.ofSeconds(10),
                () -> loader.getState() == Thread.State.TIMED_WAITING);
        return result;
    }

    @Test
    void aClassThatCarriesTheAnnotationsWaitsForTheEngineAndGoesToIt() throws Exception {
        ClassFileFilter filter = filter(Duration.ofMinutes(1));
        CompletableFuture<byte[]> result = waiting(filter, Products.class, null);
        assertFalse(result.isDone());
        filter.open(ENGINE, warnings::add);
        assertArrayEquals(REWRITTEN, result.get(10, TimeUnit.SECONDS));
        assertArrayEquals(REWRITTEN, transform(filter, Products.class), "and later classes go straight to it");
        assertEquals(List.of(), warnings);
    }

    @Test
    void otherClassesNeverWaitForTheEngine() {
        ClassFileFilter filter = filter(Duration.ofHours(1));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertNull(transform(filter, FileStore.class)));
    }

    @Test
    void aClassLoadedWhileTheEngineTakesTooLongLoadsAsWrittenWithOneLine() throws Exception {
        ClassFileFilter filter = filter(Duration.ofMillis(50));
        assertNull(transform(filter, Products.class));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith(Products.class.getName() + " runs as written: it was loaded while "
                + "the agent was still starting"), warnings.get(0));
    }

    @Test
    void anInterruptDoesNotCutTheWaitShortAndIsKeptForTheApplication() throws Exception {
        ClassFileFilter filter = filter(Duration.ofMinutes(1));
        AtomicBoolean interrupted = new AtomicBoolean();
        CompletableFuture<byte[]> result = waiting(filter, Products.class, interrupted);
        filter.open(ENGINE, warnings::add);
        assertArrayEquals(REWRITTEN, result.get(10, TimeUnit.SECONDS));
        Await.until("the loading thread to finish", Duration.ofSeconds(10), interrupted::get);
    }

    @Test
    void anEngineThatDidNotStartRewritesNothingAndOnlyTheFirstOpenCounts() throws Exception {
        ClassFileFilter filter = filter(Duration.ofMinutes(1));
        CompletableFuture<byte[]> result = waiting(filter, Products.class, null);
        filter.open(null, null);
        filter.open(ENGINE, warnings::add);
        assertNull(result.get(10, TimeUnit.SECONDS));
        assertNull(transform(filter, Products.class));
    }
}
