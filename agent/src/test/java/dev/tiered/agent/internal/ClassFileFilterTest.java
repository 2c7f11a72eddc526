package dev.tiered.agent.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;

import org.junit.jupiter.api.Test;

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
}
