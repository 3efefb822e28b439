package dev.cifar10.run;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The notebook's figure: loss and accuracy per epoch, training against validation, side by side. */
public final class CurvesPlot {
    static final int PANEL_WIDTH = 640, PANEL_HEIGHT = 440;

    private CurvesPlot() {
    }

    public static void writePng(History history, String title, OutputStream out) throws IOException {
        List<XYChart> panels = panels(history, title);
        BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), i * PANEL_WIDTH, 0, null);
        g.dispose();
        ImageIO.write(image, "png", out);
    }

    /** The panels, left to right: loss, then accuracy. */
    static List<XYChart> panels(History history, String title) {
        return List.of(panel(history, "Loss", "Cross-entropy loss", EpochStats::loss, EpochStats::valLoss, title),
                panel(history, "Accuracy", "Accuracy", EpochStats::acc, EpochStats::valAcc, title));
    }

    /** One panel; its legend sits below the plot, where no point can be (inside, it covered the last epochs). */
    private static XYChart panel(History history, String name, String yTitle, ToDoubleFunction<EpochStats> train,
                                ToDoubleFunction<EpochStats> validation, String title) {
        XYChart chart = new XYChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
                .title(name + " - " + title).xAxisTitle("Epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS).setLegendLayout(Styler.LegendLayout.Horizontal)
                .setChartBackgroundColor(Color.WHITE).setDecimalPattern("0.###");
        List<EpochStats> rows = history.epochs();
        double[] x = rows.stream().mapToDouble(EpochStats::epoch).toArray();
        chart.addSeries("train " + name.toLowerCase(), x, rows.stream().mapToDouble(train).toArray()).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("validation " + name.toLowerCase(), x, rows.stream().mapToDouble(validation).toArray()).setMarker(SeriesMarkers.DIAMOND);
        return chart;
    }
}
