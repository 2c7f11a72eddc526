package dev.tiered.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;

import dev.tiered.runtime.l2.KeyType;

/** The agent decides each parameter's L2 encoding from its declared type, without loading classes. */
class KeyTypesTest {
    enum Size { S, M }

    record Range(int from, Integer to) {}

    record Node(String name, Node parent) {}

    @SuppressWarnings("unused")
    static final class Shapes {
        void m(long a, Long b, String c, UUID d, Size e, int[] f, List<String> g, List<? extends Number> h, Range i,
               List raw, Object j, Map<String, String> k, Node l, List<Range>[] m) {}
    }

    @Test
    void mapsDeclaredTypesToTheirEncoding() {
        MethodDescription m = TypeDescription.ForLoadedType.of(Shapes.class).getDeclaredMethods()
                .filter(net.bytebuddy.matcher.ElementMatchers.named("m")).getOnly();
        List<KeyType> types = m.getParameters().asTypeList().stream().map(KeyTypes::of).toList();
        assertEquals(KeyType.Scalar.LONG, types.get(0));
        assertEquals(KeyType.Scalar.LONG, types.get(1));
        assertEquals(KeyType.Scalar.STRING, types.get(2));
        assertEquals(KeyType.Scalar.UUID, types.get(3));
        assertEquals(new KeyType.EnumOf(Size.class.getName()), types.get(4));
        assertEquals(new KeyType.ArrayOf(KeyType.Scalar.INT), types.get(5));
        assertEquals(new KeyType.ListOf(KeyType.Scalar.STRING), types.get(6));
        assertEquals(new KeyType.ListOf(new KeyType.Unsupported("java.lang.Number")), types.get(7));
        assertEquals(new KeyType.RecordOf(Range.class.getName(), List.of(
                new KeyType.RecordOf.Component("from", KeyType.Scalar.INT),
                new KeyType.RecordOf.Component("to", KeyType.Scalar.INT))), types.get(8));
        assertEquals(new KeyType.Unsupported("java.util.List without a type argument"), types.get(9));
        assertEquals(new KeyType.Unsupported("java.lang.Object"), types.get(10));
        assertEquals(new KeyType.Unsupported("java.util.Map<java.lang.String, java.lang.String>"), types.get(11));
        assertEquals(new KeyType.Unsupported(Node.class.getName() + " (a record that contains itself)"),
                types.get(12).firstUnsupported());
        assertEquals(new KeyType.ArrayOf(new KeyType.ListOf(new KeyType.RecordOf(Range.class.getName(), List.of(
                new KeyType.RecordOf.Component("from", KeyType.Scalar.INT),
                new KeyType.RecordOf.Component("to", KeyType.Scalar.INT))))), types.get(13));
    }
}
