package dev.tiered.runtime;

import static dev.tiered.runtime.SameResult.Verdict.DIFFERENT;
import static dev.tiered.runtime.SameResult.Verdict.SAME;
import static dev.tiered.runtime.SameResult.Verdict.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Verify mode's comparison: entities without equals compare by what they hold, value classes by their equals. */
class SameResultTest {
    /** A JPA-style entity: no equals, a collection of children that point back. */
    static final class Owner {
        Long id;
        String name;
        List<Pet> pets = new ArrayList<>();
        transient long loadedAt = System.nanoTime();

        Owner(long id, String name, String... pets) {
            this.id = id;
            this.name = name;
            for (String pet : pets) {
                Pet p = new Pet();
                p.name = pet;
                p.owner = this;
                this.pets.add(p);
            }
        }
    }

    static final class Pet {
        String name;
        Owner owner;
    }

    record View(long id, Owner owner) {}

    @Test
    void twoLoadsOfTheSameRowsAreTheSameThoughNeitherDefinesEquals() {
        assertEquals(SAME, SameResult.compare(new Owner(1, "ann", "rex", "tom"), new Owner(1, "ann", "rex", "tom")));
        assertEquals(DIFFERENT, SameResult.compare(new Owner(1, "ann", "rex", "tom"), new Owner(1, "ann", "rex")));
        assertEquals(DIFFERENT, SameResult.compare(new Owner(1, "ann", "rex"), new Owner(1, "ann", "max")));
        assertEquals(DIFFERENT, SameResult.compare(new Owner(1, "ann"), new Owner(2, "ann")));
        assertEquals(SAME, SameResult.compare(new View(1, new Owner(1, "ann")), new View(1, new Owner(1, "ann"))),
                "a record's components compare by content too");
    }

    @Test
    void collectionsCompareByTheirElementsWhateverTheirClass() {
        assertEquals(SAME, SameResult.compare(new ArrayList<>(List.of(new Owner(1, "a"))),
                new LinkedList<>(List.of(new Owner(1, "a")))));
        assertEquals(DIFFERENT, SameResult.compare(List.of(new Owner(1, "a"), new Owner(2, "b")),
                List.of(new Owner(2, "b"), new Owner(1, "a"))), "a list's order matters");
        Set<Owner> one = new HashSet<>(List.of(new Owner(1, "a"), new Owner(2, "b")));
        Set<Owner> other = new HashSet<>(List.of(new Owner(2, "b"), new Owner(1, "a")));
        assertEquals(SAME, SameResult.compare(one, other), "a set's order does not");
        other.add(new Owner(3, "c"));
        assertEquals(DIFFERENT, SameResult.compare(one, other));
        assertEquals(SAME, SameResult.compare(Map.of("x", new Owner(1, "a")), Map.of("x", new Owner(1, "a"))));
        assertEquals(DIFFERENT, SameResult.compare(Map.of("x", new Owner(1, "a")), Map.of("y", new Owner(1, "a"))));
        assertEquals(SAME, SameResult.compare(new Owner[] {new Owner(1, "a")}, new Owner[] {new Owner(1, "a")}));
        assertEquals(SAME, SameResult.compare(new long[] {1, 2}, new long[] {1, 2}));
    }

    @Test
    void aClassThatDefinesEqualsIsTakenAtItsWord() {
        assertEquals(SAME, SameResult.compare("text", new String("text")));
        assertEquals(DIFFERENT, SameResult.compare(new BigDecimal("1.0"), new BigDecimal("1.00")),
                "BigDecimal's equals counts the scale: so does the comparison");
        assertEquals(SAME, SameResult.compare(null, null));
        assertEquals(DIFFERENT, SameResult.compare(null, new Owner(1, "a")));
        assertEquals(DIFFERENT, SameResult.compare(1L, 1), "a Long is not an Integer");
    }

    @Test
    void aGraphTooLargeToWalkIsUnknownNotADifference() {
        List<Owner> many = new ArrayList<>();
        List<Owner> again = new ArrayList<>();
        for (int i = 0; i < SameResult.MAX_NODES; i++) {
            many.add(new Owner(i, "o"));
            again.add(new Owner(i, "o"));
        }
        assertEquals(UNKNOWN, SameResult.compare(many, again));
    }
}
