package dev.tiered.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;

import com.github.benmanes.caffeine.cache.simulator.parser.TraceFormat;
import com.github.benmanes.caffeine.cache.simulator.policy.AccessEvent;

/**
 * Traces in the formats of Caffeine's simulator, read by the simulator's own readers ({@link TraceFormat}: LIRS, ARC,
 * address, cache2k, Wikipedia, ...; plain, gzip or xz), each replayed as one cached method of a workload. A trace is
 * named {@code format:file}, the file a path or one of the traces published inside the simulator's jar (under its
 * format's package, e.g. {@code lirs:multi1.trace.gz}). The traces are interleaved by their position, so that each
 * is spread over the whole replay. They carry keys only: each method's entry is {@link #ENTRY_BYTES}, and its load
 * time {@link #LOAD_NANOS} in turn, unless the trace has miss penalties ({@code address-penalties}), whose mean it
 * takes as microseconds.
 */
final class PublishedTraces {
    /** The traces of the report: all in the simulator's jar, from the authors of LIRS, a SPEC address trace, cache2k. */
    static final List<String> REPORT = List.of("lirs:multi1.trace.gz", "lirs:multi2.trace.gz",
            "lirs:multi3.trace.gz", "lirs:loop.trace.gz", "lirs:sprite.trace.gz", "lirs:2_pools.trace.gz",
            "lirs:gli.trace.gz", "lirs:ps.trace.gz", "lirs:cs.trace.gz", "lirs:cpp.trace.gz", "address:gcc.trace.gz",
            "cache2k:web07.trace.xz");
    static final int ENTRY_BYTES = 1024;
    /** Load times given in turn to traces without penalties: 0.1 ms to 1.6 ms. */
    static final long[] LOAD_NANOS = {100_000, 200_000, 400_000, 800_000, 1_600_000};

    private PublishedTraces() {}

    /** One trace's keys, and its mean miss penalty where it has one (else {@code NaN}). */
    record Keys(String name, long[] keys, double missPenalty) {}

    /** Reads a trace {@code format:file}; an unknown format or a file that cannot be read is an error naming it. */
    static Keys read(String spec) {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("trace \"" + spec + "\" has no format; accepted: format:file, like "
                    + "lirs:multi1.trace.gz (formats of Caffeine's simulator: lirs, arc, address, address-penalties, "
                    + "cache2k, wikipedia, ...)");
        }
        TraceFormat format;
        try {
            format = TraceFormat.named(spec.substring(0, colon));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trace \"" + spec + "\": unknown format " + spec.substring(0, colon)
                    + "; accepted: " + List.of(TraceFormat.values()).stream()
                    .map(f -> f.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
        }
        List<AccessEvent> events;
        try {
            events = format.readFiles(List.of(spec.substring(colon + 1))).events().toList();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("trace \"" + spec + "\" cannot be read: " + e, e);
        }
        long[] keys = new long[events.size()];
        double penalties = 0;
        boolean penalised = false;
        for (int i = 0; i < keys.length; i++) {
            AccessEvent e = events.get(i);
            keys[i] = e.key();
            if (e.isPenaltyAware()) {
                penalised = true;
                penalties += e.missPenalty();
            }
        }
        String name = spec.substring(colon + 1).replaceAll("\\.(gz|xz|bz2|zst)$", "").replaceAll("\\.trace$", "");
        return new Keys(spec.substring(0, colon) + ":" + name, keys, penalised ? penalties / keys.length
                : Double.NaN);
    }

    /** A workload of one method per trace, the traces interleaved by their position. */
    static EvictionSimulator.Recorded workload(List<String> specs) {
        List<Keys> traces = new ArrayList<>();
        for (String spec : specs) {
            traces.add(read(spec));
        }
        List<EvictionSimulator.Method> methods = new ArrayList<>();
        int total = 0;
        for (int t = 0; t < traces.size(); t++) {
            Keys k = traces.get(t);
            long load = Double.isNaN(k.missPenalty()) ? LOAD_NANOS[t % LOAD_NANOS.length]
                    : Math.max(1_000, (long) (k.missPenalty() * 1_000)); // penalties in microseconds
            methods.add(new EvictionSimulator.Method(k.name(), 0, 0, ENTRY_BYTES, load));
            total += k.keys().length;
        }
        int[] method = new int[total];
        long[] key = new long[total];
        // next event of each trace, by its position in that trace (0 to 1): a k-way merge
        PriorityQueue<int[]> next = new PriorityQueue<>((a, b) -> Double.compare(position(traces, a),
                position(traces, b)));
        for (int t = 0; t < traces.size(); t++) {
            if (traces.get(t).keys().length > 0) {
                next.add(new int[] {t, 0});
            }
        }
        for (int i = 0; i < total; i++) {
            int[] e = next.poll();
            method[i] = e[0];
            key[i] = traces.get(e[0]).keys()[e[1]];
            if (++e[1] < traces.get(e[0]).keys().length) {
                next.add(e);
            }
        }
        String description = String.format(Locale.ROOT, "%d traces in the formats of Caffeine's simulator, read by "
                + "its readers (simulator 3.2.0, whose jar publishes them), one method each, interleaved: %s; %,d "
                + "calls. They carry keys only: entries of %d B, load times 0.1 to 1.6 ms in turn", traces.size(),
                String.join(", ", traces.stream().map(Keys::name).toList()), total, ENTRY_BYTES);
        return new EvictionSimulator.Recorded(new EvictionSimulator.Workload("published traces", description,
                methods, new double[][] {{1}}, -1, -1, -1), new EvictionSimulator.Trace(method, key));
    }

    private static double position(List<Keys> traces, int[] e) {
        return (e[1] + 0.5) / traces.get(e[0]).keys().length;
    }
}
