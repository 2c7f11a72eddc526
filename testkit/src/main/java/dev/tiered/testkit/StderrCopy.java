package dev.tiered.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A copy of what this JVM writes to {@code System.err} from {@link #start()} until {@link #close()}, which still
 * reaches the real standard error: for tests of what tiered logs in-process (its slf4j-simple writes there).
 */
public final class StderrCopy extends OutputStream implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    private StderrCopy() {}

    public static StderrCopy start() {
        StderrCopy c = new StderrCopy();
        System.setErr(new PrintStream(c, true, StandardCharsets.UTF_8));
        return c;
    }

    @Override
    public synchronized void write(int b) {
        copy.write(b);
        original.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        copy.write(b, off, len);
        original.write(b, off, len);
    }

    public synchronized String text() {
        return copy.toString(StandardCharsets.UTF_8);
    }

    public List<String> lines() {
        return text().lines().toList();
    }

    /** Gives standard error back to what it was. */
    @Override
    public void close() {
        System.setErr(original);
    }
}
