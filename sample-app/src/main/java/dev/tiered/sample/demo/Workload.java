package dev.tiered.sample.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.tiered.sample.CatalogDatabase;
import dev.tiered.sample.Product;

/**
 * The demo's traffic against a set of instances: reader threads, and one writer that changes prices while they
 * read. Every product any read returns is checked against the {@link PriceHistory}.
 *
 * <p>Readers ask for products by id with a Zipf-like skew (a few products are very popular, most are rarely asked
 * for), now and then for a category listing, each time from a random instance. Every reader's sequence of requests
 * is fixed by the seed, so two runs against different instances ask for exactly the same things; latency is taken
 * on the client, around each request.
 *
 * <p>The writer changes one price every {@link Settings#readsPerPriceChange()} reads, so that the share of
 * writes, which decides how much a cache can serve, is the same on a fast machine and a slow one. It picks the
 * product the same skewed way, raises its price through one instance, alternately, after reading it from the
 * other (which so holds the old price), and then reads it back: from the same instance, where the new price must
 * show at once, and from the other in a loop until the new price shows. The time from the write's return to that
 * read's answer is the propagation lag.
 */
final class Workload {
    /** A product whose new price has not shown on the other instance after this long is given up on. */
    private static final Duration GIVE_UP = Duration.ofSeconds(5);

    /**
     * @param zipfExponent the skew of product popularity: 0 is uniform, 1 is typical of catalogs and caches
     * @param categoryShare the fraction of reads that list a category instead of reading one product
     * @param propagationWindow how long after a change's write returned the other instances must show it
     */
    record Settings(int readers, int readsPerReader, int readsPerPriceChange, int products, double zipfExponent,
                    double categoryShare, Duration propagationWindow, long seed) {
        int reads() {
            return readers * readsPerReader;
        }
    }

    /**
     * @param readLatencyNanos every reader request's latency, sorted
     * @param propagationLagNanos every price change's propagation lag to the other instance, sorted
     * @param checkedReads products read after a change of them was due, readers' and writer's reads alike
     * @param staleReads those of them that showed an older price; 0 is the expected outcome
     * @param staleExamples descriptions of the first few stale reads
     */
    record Result(long[] readLatencyNanos, int priceChanges, long[] propagationLagNanos, long checkedReads,
                  long staleReads, List<String> staleExamples) {}

    private final Settings settings;
    private final List<CatalogClient> instances;
    private final Zipf popularity;
    private final PriceHistory history;
    private final AtomicLong readsDone = new AtomicLong();
    /** One permit per price change due, and one more when the readers are done. */
    private final Semaphore writerWakeUps = new Semaphore(0);
    private final AtomicBoolean readersDone = new AtomicBoolean();

    Workload(Settings settings, List<CatalogClient> instances) {
        if (instances.size() < 2) {
            throw new IllegalArgumentException("propagation needs two instances, not " + instances.size());
        }
        this.settings = settings;
        this.instances = List.copyOf(instances);
        this.popularity = new Zipf(settings.products(), settings.zipfExponent());
        this.history = new PriceHistory(settings.propagationWindow());
    }

    /** Runs the readers to completion, with the writer alongside them. Once only. */
    Result run() throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(settings.readers() + 1);
        try {
            SplittableRandom writerRandom = new SplittableRandom(settings.seed());
            Future<Writer> writer = threads.submit(() -> new Writer(writerRandom).run());
            List<Future<long[]>> readers = new ArrayList<>();
            for (int i = 1; i <= settings.readers(); i++) {
                SplittableRandom random = new SplittableRandom(settings.seed() + i);
                readers.add(threads.submit(() -> read(random)));
            }
            long[] latencies = new long[settings.reads()];
            int filled = 0;
            for (Future<long[]> reader : readers) {
                long[] own = get(reader);
                System.arraycopy(own, 0, latencies, filled, own.length);
                filled += own.length;
            }
            readersDone.set(true);
            writerWakeUps.release();
            Writer done = get(writer);
            Arrays.sort(latencies);
            long[] lags = done.lags.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Result(latencies, done.changes, lags, history.checkedReads(), history.staleReads(),
                    history.staleExamples());
        } finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private long[] read(SplittableRandom random) {
        long[] latencies = new long[settings.readsPerReader()];
        List<String> categories = CatalogDatabase.CATEGORIES;
        for (int i = 0; i < latencies.length; i++) {
            CatalogClient instance = instances.get(random.nextInt(instances.size()));
            boolean listing = random.nextDouble() < settings.categoryShare();
            String category = listing ? categories.get(random.nextInt(categories.size())) : null;
            long id = listing ? 0 : popularity.sample(random);
            long start = System.nanoTime();
            List<Product> seen = listing
                    ? instance.productsIn(category)
                    : List.of(require(instance, id, instance.product(id)));
            latencies[i] = System.nanoTime() - start;
            for (Product product : seen) {
                history.check(instance, product, start);
            }
            long done = readsDone.incrementAndGet();
            if (done % settings.readsPerPriceChange() == 0 && done < settings.reads()) {
                writerWakeUps.release();
            }
        }
        return latencies;
    }

    private static Product require(CatalogClient instance, long id, Product product) {
        if (product == null) {
            throw new IllegalStateException(instance.name() + " lost product " + id);
        }
        return product;
    }

    private final class Writer {
        private final SplittableRandom random;
        final List<Long> lags = new ArrayList<>();
        int changes;

        Writer(SplittableRandom random) {
            this.random = random;
        }

        Writer run() throws InterruptedException {
            while (true) {
                writerWakeUps.acquire();
                if (readersDone.get()) {
                    return this;
                }
                changePrice(instances.get(changes % instances.size()),
                        instances.get((changes + 1) % instances.size()));
                changes++;
            }
        }

        private void changePrice(CatalogClient writeTo, CatalogClient other) {
            long id = popularity.sample(random);
            read(other, id); // so that the other instance holds the old price, which must be invalidated
            BigDecimal known = history.latest(id);
            BigDecimal current = known != null ? known : read(writeTo, id).price();
            BigDecimal newPrice = current.add(BigDecimal.valueOf(random.nextInt(1, 500), 2));
            if (!writeTo.updatePrice(id, newPrice)) {
                throw new IllegalStateException(writeTo.name() + " lost product " + id);
            }
            long returned = System.nanoTime();
            history.record(id, newPrice, writeTo, returned);
            read(writeTo, id);
            while (true) {
                Product seen = read(other, id);
                long answered = System.nanoTime();
                if (seen.price().compareTo(newPrice) >= 0) {
                    lags.add(answered - returned);
                    return;
                }
                if (answered - returned > GIVE_UP.toNanos()) {
                    throw new IllegalStateException(other.name() + " still shows product " + id + " at "
                            + seen.price() + ", " + GIVE_UP.toSeconds() + " s after it was set to " + newPrice
                            + " on " + writeTo.name());
                }
            }
        }

        private Product read(CatalogClient instance, long id) {
            long start = System.nanoTime();
            Product seen = require(instance, id, instance.product(id));
            history.check(instance, seen, start);
            return seen;
        }
    }

    private static <T> T get(Future<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Product ids 1..n drawn with probability proportional to 1 / id^exponent. */
    static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double exponent) {
            cumulative = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1 / Math.pow(i + 1, exponent);
                cumulative[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cumulative[i] /= sum;
            }
            cumulative[n - 1] = 1; // not 0.99999...: every draw below 1 must find its id
        }

        long sample(SplittableRandom random) {
            int index = Arrays.binarySearch(cumulative, random.nextDouble());
            return (index >= 0 ? index : -index - 1) + 1;
        }
    }
}
