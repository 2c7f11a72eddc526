package dev.tiered.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tiered.it.fixture.Directories;
import dev.tiered.it.fixture.Products;

class AnnotatedInterfacesTest {
    private static byte[] bytesOf(Class<?> type) throws IOException {
        String name = type.getName().replace('.', '/') + ".class";
        try (InputStream in = type.getClassLoader() == null ? Object.class.getResourceAsStream("/" + name)
                : type.getClassLoader().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theHeaderNamesTheInterfacesAClassListsDirectlyAndInOrder() throws IOException {
        assertEquals(List.of("java/util/List", "java/util/RandomAccess", "java/lang/Cloneable",
                "java/io/Serializable"), ClassHeader.interfaces(bytesOf(java.util.ArrayList.class)));
        // long and double constants take two entries of the constant pool
        assertEquals(List.of("java/lang/Comparable", "java/lang/constant/Constable",
                "java/lang/constant/ConstantDesc"), ClassHeader.interfaces(bytesOf(Long.class)));
        assertEquals(List.of("dev/tiered/it/fixture/Directory"),
                ClassHeader.interfaces(bytesOf(Directories.Plain.class)));
        assertEquals(List.of(), ClassHeader.interfaces(bytesOf(Products.class)));
    }

    @Test
    void bytesThatAreNotAClassFileNameNoInterfaceAndThrowNothing() throws IOException {
        assertEquals(List.of(), ClassHeader.interfaces(new byte[0]));
        assertEquals(List.of(), ClassHeader.interfaces("not a class file at all".getBytes()));
        byte[] cut = bytesOf(java.util.ArrayList.class);
        assertEquals(List.of(), ClassHeader.interfaces(Arrays.copyOf(cut, cut.length / 3)));
    }

    @Test
    void aClassImplementingAnAnnotatedInterfaceIsRecognisedAndLibraryInterfacesAreNeverRead() throws IOException {
        AnnotatedInterfaces interfaces = new AnnotatedInterfaces();
        ClassLoader loader = getClass().getClassLoader();
        assertTrue(interfaces.implementsOne(loader, bytesOf(Directories.Plain.class)));
        assertTrue(interfaces.implementsOne(loader, bytesOf(Directories.Plain.class)), "answered from what it kept");
        assertFalse(interfaces.implementsOne(loader, bytesOf(java.util.ArrayList.class)));
        assertFalse(interfaces.implementsOne(loader, bytesOf(Products.class)));
        assertFalse(interfaces.implementsOne(null, bytesOf(Directories.Plain.class)), "the JDK's own loader");
        assertTrue(AnnotatedInterfaces.library("org/springframework/data/repository/Repository"));
        assertFalse(AnnotatedInterfaces.library("com/acme/OwnerRepository"));
    }
}
