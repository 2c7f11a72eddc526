package dev.tiered.bench;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.tiered.runtime.l2.ValueCodec;
import dev.tiered.sample.Product;

/**
 * Case 9: the L2 codec on the sample service's results, a {@code Product} and the 20 products of a category:
 * encode then decode, by Java serialization ({@code Product} is {@code Serializable}) and by the field encoding
 * that takes the same record without {@code Serializable}. What each stores is in {@link #sizes()}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class CodecBenchmark {
    /** The sample's {@code Product}, but not Serializable: what a team writes today. */
    public record ProductView(long id, String name, String category, BigDecimal price, Instant updatedAt) {}

    /** Methods whose declared return types the codecs are made for, as the agent makes them. */
    @SuppressWarnings("unused")
    static final class Returns {
        Product product() { return null; }
        ProductView view() { return null; }
        List<Product> products() { return null; }
        List<ProductView> views() { return null; }
    }

    /** Bytes stored in Redis for each case, envelope included. */
    record Sizes(int javaProduct, int fieldsProduct, int javaList, int fieldsList) {}

    private static final Instant UPDATED = Instant.parse("2026-11-20T09:30:00Z");

    private ValueCodec javaOne;
    private ValueCodec fieldsOne;
    private ValueCodec javaList;
    private ValueCodec fieldsList;
    private final Product product = product(42);
    private final ProductView view = view(42);
    private final List<Product> products = new ArrayList<>();
    private final List<ProductView> views = new ArrayList<>();

    private static Product product(long id) {
        return new Product(id, "Widget " + id, "tools", new BigDecimal("19.90"), UPDATED);
    }

    private static ProductView view(long id) {
        return new ProductView(id, "Widget " + id, "tools", new BigDecimal("19.90"), UPDATED);
    }

    @Setup
    public void setUp() throws Exception {
        javaOne = codec("product");
        fieldsOne = codec("view");
        javaList = codec("products");
        fieldsList = codec("views");
        for (int i = 0; i < 20; i++) {
            products.add(product(i));
            views.add(view(i));
        }
        if (!view.equals(fieldsOne.decode(fieldsOne.encode(view)))
                || !products.equals(javaList.decode(javaList.encode(products)))) {
            throw new IllegalStateException("a codec does not give back what it was given");
        }
    }

    private static ValueCodec codec(String method) throws NoSuchMethodException {
        return ValueCodec.of(Returns.class.getDeclaredMethod(method), List.of(), 1 << 20);
    }

    /** The stored sizes, measured once, outside JMH. */
    static Sizes sizes() throws Exception {
        CodecBenchmark b = new CodecBenchmark();
        b.setUp();
        return new Sizes(b.javaOne.encode(b.product).length, b.fieldsOne.encode(b.view).length,
                b.javaList.encode(b.products).length, b.fieldsList.encode(b.views).length);
    }

    @Benchmark
    public Object javaProduct() throws Exception {
        return javaOne.decode(javaOne.encode(product));
    }

    @Benchmark
    public Object fieldsProduct() throws Exception {
        return fieldsOne.decode(fieldsOne.encode(view));
    }

    @Benchmark
    public Object javaProducts() throws Exception {
        return javaList.decode(javaList.encode(products));
    }

    @Benchmark
    public Object fieldsProducts() throws Exception {
        return fieldsList.decode(fieldsList.encode(views));
    }
}
