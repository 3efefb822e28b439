package dev.cifar10.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CurvesPlotTest {
    @TempDir
    Path tmp;

    /** A 30-epoch history shaped like the notebook's: accuracy rising to the top right, where a legend inside used to sit. */
    static History notebookLike() {
        History h = new History();
        for (int e = 1; e <= 30; e++) {
            double acc = 0.8 - 0.5 * Math.exp(-e / 6.0);
            h.add(new EpochStats(e, 2 - acc * 2, acc, 2.1 - acc * 2, acc - 0.02, 7, 6, 1094, 6, 5800, 1, 15000));
        }
        return h;
    }

    @Test
    void legendsSitOutsideThePlotsSoTheLastEpochsStayVisible() throws Exception {
        History h = notebookLike();
        for (XYChart panel : Set.of(CurvesPlot.panel(h, "Accuracy", "Accuracy", EpochStats::acc, EpochStats::valAcc, "t"),
                CurvesPlot.panel(h, "Loss", "Loss", EpochStats::loss, EpochStats::valLoss, "t"))) {
            LegendPosition where = panel.getStyler().getLegendPosition();
            assertTrue(where.name().startsWith("Outside"), "legend " + where + " overlaps the plot area");
        }
        Path png = tmp.resolve("curves.png");
        try (OutputStream out = Files.newOutputStream(png)) {
            CurvesPlot.writePng(h, "test", out);
        }
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * CurvesPlot.PANEL_WIDTH, image.getWidth());
        assertEquals(CurvesPlot.PANEL_HEIGHT, image.getHeight());
    }
}
