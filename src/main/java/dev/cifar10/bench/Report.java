package dev.cifar10.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.FontMetrics;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The comparison across machines: a Markdown table and a bar chart, grouped by backend (cpu,
 * cuda, ...) and fastest first within a group, with the speed-up of every row against a baseline.
 */
public final class Report {
    /** Images in one epoch of the notebook (35,000): used to put every result on the notebook's scale. */
    static final int NOTEBOOK_EPOCH_IMAGES = 35_000;

    private final List<BenchRecord> rows;
    private final int baseline;

    /** @param baselineSelector a row number (1-based, in the sorted table) or text matched against row names; null picks the first row */
    public Report(List<BenchRecord> records, String baselineSelector) {
        this.rows = records.stream()
                .sorted(Comparator.comparing((BenchRecord r) -> r.backend().name())
                        .thenComparing(r -> -r.median().imagesPerSecond()))
                .toList();
        this.baseline = pickBaseline(baselineSelector);
    }

    public BenchRecord baseline() {
        return rows.get(baseline);
    }

    private int pickBaseline(String selector) {
        if (rows.isEmpty()) throw new IllegalArgumentException("No usable benchmark records.");
        if (selector == null || selector.isBlank()) return 0;
        if (selector.matches("\\d+")) {
            int n = Integer.parseInt(selector);
            if (n < 1 || n > rows.size()) throw new IllegalArgumentException("--baseline " + n + " is not a row (1 to " + rows.size() + ")");
            return n - 1;
        }
        for (int i = 0; i < rows.size(); i++) {
            if (name(rows.get(i)).toLowerCase(Locale.ROOT).contains(selector.toLowerCase(Locale.ROOT))) return i;
        }
        throw new IllegalArgumentException("--baseline '" + selector + "' matches no row; rows are: "
                + String.join("; ", rows.stream().map(Report::name).toList()));
    }

    /** "framework (backend, natives, helpers, dtype) label @ cpu or gpu". */
    public static String name(BenchRecord r) {
        String device = r.gpu() != null ? r.gpu().name() : r.host().cpuModel() + " x" + r.host().logicalCores();
        String label = r.label() == null || r.label().isBlank() ? "" : " [" + r.label() + "]";
        return r.framework().name() + " " + r.backend().name() + " (" + r.backend().nativeVariant() + ", helpers "
                + r.backend().layerHelpers() + ", " + r.dataType() + ")" + label + " @ " + r.host().name() + ": " + device;
    }

    public double speedUp(BenchRecord r) {
        return r.median().imagesPerSecond() / baseline().median().imagesPerSecond();
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| # | framework | backend | natives / helpers | data type | machine | batch | images/s (train, median) | range | ms/step "
                + "| s per notebook epoch (35,000 images) | images/s (validation) | peak RSS | speed-up vs #").append(baseline + 1).append(" |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            BenchRecord r = rows.get(i);
            String device = r.gpu() != null ? r.gpu().name() : r.host().cpuModel() + ", " + r.host().logicalCores() + " threads";
            Long rss = r.memory() == null ? null : r.memory().peakRssBytes();
            sb.append(String.format(Locale.ROOT, "| %d | %s %s%s | %s | %s / %s | %s | %s (%s) | %d | %.1f | %.1f-%.1f | %.1f | %.1f | %.1f | %s | %.2fx |%n",
                    i + 1, r.framework().name(), r.framework().version(), r.label() == null || r.label().isBlank() ? "" : " [" + r.label() + "]",
                    r.backend().name(), r.backend().nativeVariant(), r.backend().layerHelpers(), r.dataType(), device, r.host().name(),
                    r.batchSize(), r.median().imagesPerSecond(), r.spread() == null ? Double.NaN : r.spread().imagesPerSecondMin(),
                    r.spread() == null ? Double.NaN : r.spread().imagesPerSecondMax(), r.median().msPerStep(),
                    NOTEBOOK_EPOCH_IMAGES / r.median().imagesPerSecond(), r.median().validationImagesPerSecond(),
                    rss == null ? "n/a" : (rss >> 20) + " MiB", speedUp(r)));
        }
        return sb.toString();
    }

    public void writeChart(OutputStream out) throws IOException {
        List<String> labels = IntStream.range(0, rows.size()).mapToObj(i -> "#" + (i + 1)).toList();
        CategoryChart speed = chart("Training images/s (median; higher is better)", "images/s");
        speed.addSeries("images/s", labels, rows.stream().map(r -> r.median().imagesPerSecond()).toList());
        CategoryChart epoch = chart("Seconds per notebook epoch of 35,000 images (lower is better)", "seconds");
        epoch.addSeries("s/epoch", labels, rows.stream().map(r -> NOTEBOOK_EPOCH_IMAGES / r.median().imagesPerSecond()).toList());
        BufferedImage a = BitmapEncoder.getBufferedImage(speed), b = BitmapEncoder.getBufferedImage(epoch);
        int legendHeight = 18 * rows.size() + 16;
        BufferedImage image = new BufferedImage(a.getWidth() + b.getWidth(), a.getHeight() + legendHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.setColor(Color.DARK_GRAY);
        g.setFont(g.getFont().deriveFont(12f));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < rows.size(); i++) {
            String line = String.format(Locale.ROOT, "#%d  (%.2fx vs #%d)  %s", i + 1, speedUp(rows.get(i)), baseline + 1, name(rows.get(i)));
            while (metrics.stringWidth(line) > image.getWidth() - 20 && line.length() > 20) {
                line = line.substring(0, line.length() - 2); // long names: cut to the picture's width
            }
            g.drawString(line, 10, a.getHeight() + 14 + 18 * i);
        }
        g.dispose();
        ImageIO.write(image, "png", out);
    }

    private static CategoryChart chart(String title, String yTitle) {
        CategoryChart c = new CategoryChartBuilder().width(600).height(380).title(title).xAxisTitle("row").yAxisTitle(yTitle).build();
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLegendVisible(false).setChartBackgroundColor(Color.WHITE).setDecimalPattern("#,##0.0")
                .setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }
}
