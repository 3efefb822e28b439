package dev.cifar10.run;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class CurvesPlotTest {
    /** A 30-epoch history shaped like the notebook's: accuracy rising to the top right, where a legend inside used to sit. */
    static History notebookLike() {
        History h = new History();
        for (int e = 1; e <= 30; e++) {
            double acc = 0.8 - 0.5 * Math.exp(-e / 6.0);
            h.add(new EpochStats(e, 2 - acc * 2, acc, 2.1 - acc * 2, acc - 0.02, 7, 6, 1094, 6, 5800, 1, 15000));
        }
        return h;
    }

    private static BufferedImage png(History history, String title) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CurvesPlot.writePng(history, title, out);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
        assertNotNull(image, "not a PNG that decodes");
        return image;
    }

    /** A point to find in the figure: its panel (0 loss, 1 accuracy), series, epoch and value. */
    private record Point(int panel, String series, String otherSeries, int epoch, double value) {
    }

    private static List<Point> points(History history) {
        List<Point> points = new ArrayList<>();
        for (EpochStats s : history.epochs()) {
            points.add(new Point(0, "train loss", "validation loss", s.epoch(), s.loss()));
            points.add(new Point(0, "validation loss", "train loss", s.epoch(), s.valLoss()));
            points.add(new Point(1, "train accuracy", "validation accuracy", s.epoch(), s.acc()));
            points.add(new Point(1, "validation accuracy", "train accuracy", s.epoch(), s.valAcc()));
        }
        return points;
    }

    /**
     * The pixel where each epoch's value lies, by the panel's own axes (painted alone, as the figure paints it), is its
     * series' colour in the figure: the value is drawn, in its panel, and nothing (a legend) covers it. With a single
     * epoch XChart centres the point instead of placing it where its x axis maps it, so only the row is known: the colour
     * is looked for along it, within the panel.
     */
    private static void assertEveryPointVisible(History history, String title) throws IOException {
        BufferedImage image = png(history, title);
        assertEquals(1280, image.getWidth(), "two panels of 640 pixels side by side");
        assertEquals(440, image.getHeight());
        List<XYChart> panels = CurvesPlot.panels(history, title);
        panels.forEach(BitmapEncoder::getBufferedImage);   // painting sets the axes that map values to pixels
        List<String> hidden = new ArrayList<>();
        for (Point p : points(history)) {
            XYChart panel = panels.get(p.panel());
            assertTrue(panel.getSeriesMap().containsKey(p.series()), p.series() + " in panel " + p.panel());
            Color colour = opaque(panel.getSeriesMap().get(p.series()).getMarkerColor());
            Color other = opaque(panel.getSeriesMap().get(p.otherSeries()).getMarkerColor());
            int left = p.panel() * CurvesPlot.PANEL_WIDTH;
            int y = (int) Math.round(panel.getScreenYFromChart(p.value()));
            boolean drawn;
            if (history.epochs().size() > 1) {
                drawn = near(image, left + (int) Math.round(panel.getScreenXFromChart(p.epoch())), y, colour, other);
            } else {
                drawn = IntStream.range(left + 1, left + CurvesPlot.PANEL_WIDTH - 1).anyMatch(x -> near(image, x, y, colour, other));
            }
            if (!drawn) hidden.add(p.series() + " of epoch " + p.epoch() + " at height " + y);
        }
        assertEquals(List.of(), hidden, "points not drawn in their series colour where their values lie");
    }

    /** The colour without its transparency: XChart draws its series partly see-through, so a pixel is near it, rarely equal. */
    private static Color opaque(Color c) {
        return new Color(c.getRGB() & 0xFFFFFF);
    }

    /** A pixel within one of (x, y) is close to the series' colour (not white or grey) and closer to it than to the other series'. */
    private static boolean near(BufferedImage image, int x, int y, Color colour, Color other) {
        for (int dx = -1; dx <= 1; dx++) {
            for (int dy = -1; dy <= 1; dy++) {
                Color c = new Color(image.getRGB(x + dx, y + dy));
                if (distance(c, colour) < 120 && distance(c, colour) < distance(c, other)) return true;
            }
        }
        return false;
    }

    private static double distance(Color a, Color b) {
        return Math.hypot(Math.hypot(a.getRed() - b.getRed(), a.getGreen() - b.getGreen()), a.getBlue() - b.getBlue());
    }

    @Test
    void everyEpochOfBothSeriesIsDrawnAtItsValueInItsPanelTheLastEpochsToo() throws IOException {
        assertEveryPointVisible(notebookLike(), "CIFAR-10 dropout CNN (notebook)");
    }

    @Test
    void aOneEpochHistoryPlotsItsPoints() throws IOException {
        History first = new History();   // what curves.png holds after a run's first epoch
        first.add(new EpochStats(1, 1.62, 0.41, 1.35, 0.52, 7, 6, 1094, 6, 5800, 1, 15000));
        assertEveryPointVisible(first, "t");
    }

    @Test
    void eachPanelShowsTheTitleAboveItsPlot() throws IOException {
        History h = notebookLike();
        // both in parentheses, as train's titles are: the same glyph heights, so only the text differs
        BufferedImage smoke = png(h, "CIFAR-10 dropout CNN (smoke)"), notebook = png(h, "CIFAR-10 dropout CNN (notebook)");
        List<XYChart> panels = CurvesPlot.panels(h, "CIFAR-10 dropout CNN (smoke)");
        panels.forEach(BitmapEncoder::getBufferedImage);
        for (int panel = 0; panel < 2; panel++) {
            ToDoubleFunction<EpochStats> highest = panel == 0 ? EpochStats::valLoss : EpochStats::acc;
            double top = h.epochs().stream().mapToDouble(highest).max().orElseThrow();
            int plotTop = (int) Math.round(panels.get(panel).getScreenYFromChart(top)) - 6;   // above the highest marker
            int changedAbove = 0, changedBelow = 0;
            for (int x = panel * CurvesPlot.PANEL_WIDTH; x < (panel + 1) * CurvesPlot.PANEL_WIDTH; x++) {
                for (int y = 0; y < smoke.getHeight(); y++) {
                    if (smoke.getRGB(x, y) != notebook.getRGB(x, y)) {
                        if (y < plotTop) changedAbove++; else changedBelow++;
                    }
                }
            }
            assertTrue(changedAbove > 100, "panel " + panel + ": the title is not drawn above the plot (" + changedAbove + " pixels changed)");
            assertEquals(0, changedBelow, "panel " + panel + ": pixels below the title changed with it");
        }
    }
}
