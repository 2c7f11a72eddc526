package dev.tiered.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

class ChartTest {
    private static final int AGENT_BLUE = 0x2171b5;

    @Test
    void theLatencyPlotIsAPngWithARowPerBarAndTheAgentInBlue() throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Chart.Bar> bars = List.of(
                new Chart.Bar("1. L1 hit", "tiered agent", 20, 2, true),
                new Chart.Bar("1. L1 hit", "Caffeine", 6, 0.5, false),
                new Chart.Bar("3. L2 hit", "Jedis", 120_000, 200_000, false)); // an error larger than the mean
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Chart.png("title", bars)));
        assertEquals(1000, image.getWidth());
        assertEquals(50 + 50 + (3 + 2) * 26, image.getHeight(), "margins, three bars and two group headings");
        boolean blue = false;
        for (int x = 0; x < image.getWidth() && !blue; x++) {
            for (int y = 0; y < image.getHeight() && !blue; y++) {
                blue = (image.getRGB(x, y) & 0xffffff) == AGENT_BLUE;
            }
        }
        assertTrue(blue, "the agent's bar is drawn in blue");
    }
}
