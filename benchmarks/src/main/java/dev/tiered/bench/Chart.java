package dev.tiered.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

/** The latency cases as horizontal bars on a logarithmic time axis, the agent's bars in colour, baselines in grey. */
final class Chart {
    /** One bar: its label, its mean and error in nanoseconds, and whether it is the agent's. */
    record Bar(String group, String label, double nanos, double errorNanos, boolean agent) {}

    private static final int WIDTH = 1000;
    private static final int ROW = 26;
    private static final int LEFT = 330;
    private static final int RIGHT = 40;
    private static final int TOP = 50;
    private static final int BOTTOM = 50;

    private Chart() {}

    static double nanos(Report.Score s) {
        return switch (s.unit()) {
            case "ns/op" -> 1;
            case "us/op" -> 1e3;
            case "ms/op" -> 1e6;
            default -> throw new IllegalArgumentException("not a latency: " + s.unit());
        };
    }

    static Bar bar(String group, String label, Report.Score s, boolean agent) {
        double scale = nanos(s);
        return new Bar(group, label, s.score() * scale, Double.isNaN(s.error()) ? 0 : s.error() * scale, agent);
    }

    /** The image's graphics, antialiased, on a white background. */
    static Graphics2D canvas(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        return g;
    }

    static byte[] png(String title, List<Bar> bars) {
        int groups = (int) bars.stream().map(Bar::group).distinct().count();
        int height = TOP + BOTTOM + bars.size() * ROW + groups * ROW;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image);

        double min = Math.floor(Math.log10(bars.stream().mapToDouble(Bar::nanos).min().orElse(1) / 2));
        double max = Math.ceil(Math.log10(bars.stream().mapToDouble(b -> b.nanos() + b.errorNanos()).max()
                .orElse(10)));
        int plotWidth = WIDTH - LEFT - RIGHT;
        java.util.function.DoubleToIntFunction x = v -> LEFT
                + (int) Math.round((Math.log10(Math.max(v, Math.pow(10, min))) - min) / (max - min) * plotWidth);

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString(title, 10, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int plotBottom = height - BOTTOM;
        for (int p = (int) min; p <= max; p++) {
            int px = x.applyAsInt(Math.pow(10, p));
            g.setColor(new Color(225, 225, 225));
            g.drawLine(px, TOP, px, plotBottom);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(Math.pow(10, p)), px - 15, plotBottom + 18);
        }
        g.drawString("time per call (log scale)", LEFT + plotWidth / 2 - 60, plotBottom + 38);

        int y = TOP;
        String group = null;
        for (Bar b : bars) {
            if (!b.group().equals(group)) {
                group = b.group();
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                g.drawString(group, 10, y + 17);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                y += ROW;
            }
            g.setColor(b.agent() ? new Color(33, 113, 181) : new Color(160, 160, 160));
            int end = x.applyAsInt(b.nanos());
            g.fillRect(LEFT, y + 4, Math.max(1, end - LEFT), ROW - 8);
            int labelAt = end + 6;
            if (b.errorNanos() > 0) {
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1));
                int lo = x.applyAsInt(Math.max(b.nanos() - b.errorNanos(), Math.pow(10, min)));
                int hi = x.applyAsInt(b.nanos() + b.errorNanos());
                g.drawLine(lo, y + ROW / 2, hi, y + ROW / 2);
                g.drawLine(lo, y + ROW / 2 - 4, lo, y + ROW / 2 + 4);
                g.drawLine(hi, y + ROW / 2 - 4, hi, y + ROW / 2 + 4);
                labelAt = hi + 6; // the figure clear of its error bar
            }
            g.setColor(Color.BLACK);
            g.drawString(b.label(), 22, y + 17);
            g.drawString(label(b.nanos()), Math.min(labelAt, WIDTH - RIGHT - 50), y + 17);
            y += ROW;
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String label(double nanos) {
        if (nanos >= 1e6) {
            return String.format(Locale.ROOT, "%.3g ms", nanos / 1e6);
        }
        if (nanos >= 1e3) {
            return String.format(Locale.ROOT, "%.3g µs", nanos / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g ns", nanos);
    }
}
