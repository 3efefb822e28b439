package dev.cifar10.bench;

import dev.cifar10.bench.BenchRecord.NotebookEpoch;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * One row per record ({@code report --per-run}): a Markdown table and a chart, grouped by backend (cpu, cuda, ...)
 * and fastest first within a group, with the speed-up of every row against a baseline. Every row
 * names its device, threads, data type and batch size; a row that differs from the baseline in one of
 * those is marked, as its speed-up is not like for like. Epochs are scaled to the notebook's
 * (35,000 training + 15,000 validation images), counted as Keras counts them and as training alone.
 */
public final class PerRunReport implements BenchReport {
    static final double NOTEBOOK_SECONDS_PER_EPOCH = Report.NOTEBOOK_SECONDS_PER_EPOCH;
    static final String NOTEBOOK_LINE = Report.NOTEBOOK_LINE;

    private final List<BenchRecord> rows;
    private final int baseline;

    /** @param baselineSelector a row number (1-based, in the sorted table) or text matched against row names; null picks the first row */
    public PerRunReport(List<BenchRecord> records, String baselineSelector) {
        this.rows = records.stream()
                .sorted(Comparator.comparing((BenchRecord r) -> r.backend().name())
                        .thenComparing(r -> -r.median().imagesPerSecond()))
                .toList();
        this.baseline = pickBaseline(baselineSelector);
    }

    public List<BenchRecord> rows() {
        return rows;
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
                + String.join("; ", rows.stream().map(PerRunReport::name).toList()));
    }

    /** "framework (backend, natives, helpers, dtype) label @ host: device". */
    public static String name(BenchRecord r) {
        String label = r.label() == null || r.label().isBlank() ? "" : " [" + r.label() + "]";
        return r.framework().name() + " " + r.backend().name() + " (" + r.backend().nativeVariant() + ", helpers "
                + r.backend().layerHelpers() + ", " + r.dataType() + ")" + label + " @ " + r.host().name() + ": " + device(r);
    }

    /** The GPU with its compute capability, or the CPU model: what did the work. */
    static String device(BenchRecord r) {
        if (r.gpu() != null) {
            return r.gpu().name() + (r.gpu().computeCapability() == null ? "" : " (cc " + r.gpu().computeCapability() + ")");
        }
        return r.host().cpuModel();
    }

    /** The row's own thread count (its record's), never the host's cores; "?" where the record has none. */
    static String threads(BenchRecord r) {
        return r.backend().threads() == null ? "?" : String.valueOf(r.backend().threads());
    }

    /**
     * How a row differs from the baseline in what makes a speed-up like for like: thread count (between two
     * CPU rows; a GPU row's host threads only feed it), data type, batch size. Empty when comparable.
     */
    public List<String> differencesFromBaseline(BenchRecord r) {
        BenchRecord b = baseline();
        List<String> d = new ArrayList<>();
        if (r.gpu() == null && b.gpu() == null && !Objects.equals(r.backend().threads(), b.backend().threads())) {
            d.add(threads(r) + " vs " + threads(b) + " threads");
        }
        if (!Objects.equals(r.dataType(), b.dataType())) d.add(r.dataType() + " vs " + b.dataType());
        if (r.batchSize() != b.batchSize()) d.add("batch " + r.batchSize() + " vs " + b.batchSize());
        return d;
    }

    /** One line per row that is not like for like with the baseline; empty when every row is. */
    @Override
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<String> d = differencesFromBaseline(rows.get(i));
            if (!d.isEmpty()) {
                w.add(String.format(Locale.ROOT, "row #%d is not like for like with the baseline #%d (%s): its %.2fx compares different settings",
                        i + 1, baseline + 1, String.join(", ", d), speedUp(rows.get(i))));
            }
        }
        return w;
    }

    public double speedUp(BenchRecord r) {
        return r.median().imagesPerSecond() / baseline().median().imagesPerSecond();
    }

    /** Seconds for the notebook's epoch, from the medians (also for records written before the field existed). */
    static NotebookEpoch notebookEpoch(BenchRecord r) {
        return NotebookEpoch.of(r.median());
    }

    @Override
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| # | framework | backend (natives / helpers) | device @ machine | threads | data type | batch "
                + "| images/s (train, median) | range | ms/step | notebook epoch as Keras counts it, s (35,000 + 15,000 images) "
                + "| notebook epoch, training only, s | images/s (validation) | peak memory | speed-up vs #").append(baseline + 1)
                .append(" | like for like with #").append(baseline + 1).append(" |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rows.size(); i++) {
            BenchRecord r = rows.get(i);
            NotebookEpoch n = notebookEpoch(r);
            List<String> d = differencesFromBaseline(r);
            sb.append(String.format(Locale.ROOT, "| %d | %s %s%s | %s (%s / %s) | %s @ %s | %s | %s | %d | %.1f | %.1f-%.1f | %.1f | %.1f | %.1f | %.1f | %s | %.2fx | %s |%n",
                    i + 1, r.framework().name(), r.framework().version(), r.label() == null || r.label().isBlank() ? "" : " [" + r.label() + "]",
                    r.backend().name(), r.backend().nativeVariant(), r.backend().layerHelpers(), device(r), r.host().name(), threads(r),
                    r.dataType(), r.batchSize(), r.median().imagesPerSecond(),
                    r.spread() == null ? Double.NaN : r.spread().imagesPerSecondMin(),
                    r.spread() == null ? Double.NaN : r.spread().imagesPerSecondMax(), r.median().msPerStep(),
                    n.kerasEpochSeconds(), n.trainSeconds(), r.median().validationImagesPerSecond(), memory(r), speedUp(r),
                    i == baseline ? "baseline" : d.isEmpty() ? "yes" : "**no**: " + String.join(", ", d)));
        }
        sb.append('\n').append(NOTEBOOK_LINE).append('\n');
        List<String> warnings = warnings();
        if (!warnings.isEmpty()) {
            sb.append('\n');
            warnings.forEach(w -> sb.append("Warning: ").append(w).append(".  \n"));
        }
        return sb.toString();
    }

    private static String memory(BenchRecord r) {
        if (r.memory() == null) return "n/a";
        Long rss = r.memory().peakRssBytes(), gpu = r.memory().peakGpuBytes();
        String s = rss == null ? "n/a" : (rss >> 20) + " MiB RSS";
        return gpu == null ? s : s + ", " + (gpu >> 20) + " MiB GPU";
    }

    /** The row as the chart's legend names it: device, threads, data type, batch, speed-up, and a mark if not like for like. */
    String chartLine(int i) {
        BenchRecord r = rows.get(i);
        List<String> d = differencesFromBaseline(r);
        String label = r.label() == null || r.label().isBlank() ? "" : " [" + r.label() + "]";
        return String.format(Locale.ROOT, "%s  %s %s%s, %s %s @ %s, %s threads, %s, batch %d: %.2fx vs #%d%s",
                rowTag(i), r.framework().name(), r.framework().version(), label, r.backend().name(), device(r), r.host().name(),
                threads(r), r.dataType(), r.batchSize(), speedUp(r), baseline + 1,
                i == baseline ? " (baseline)" : d.isEmpty() ? "" : "  * NOT LIKE FOR LIKE: " + String.join(", ", d));
    }

    private String rowTag(int i) {
        return "#" + (i + 1) + (differencesFromBaseline(rows.get(i)).isEmpty() ? "" : "*");
    }

    /**
     * One log-scale chart, so a 2-core CPU (minutes per epoch) and a GPU (seconds) both read: seconds per notebook
     * epoch as Keras counts it and training alone, per row, with the notebook's 7 s as a line; below it, one line
     * per row naming device, threads, data type and batch size.
     */
    @Override
    public void writeChart(OutputStream out) throws IOException {
        List<String> tags = IntStream.range(0, rows.size()).mapToObj(this::rowTag).toList();
        CategoryChart c = new CategoryChartBuilder().width(1200).height(460)
                .title("Seconds per notebook epoch (35,000 training + 15,000 validation images), log scale: lower is better")
                .xAxisTitle("row (* = not like for like with the baseline #" + (baseline + 1) + ")").yAxisTitle("seconds").build();
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setOverlapped(false);
        c.getStyler().setYAxisLogarithmic(true).setChartBackgroundColor(Color.WHITE).setDecimalPattern("#,##0.0")
                .setLegendPosition(Styler.LegendPosition.OutsideS).setLegendLayout(Styler.LegendLayout.Horizontal);
        // bars start at the axis minimum, which on a log axis must be positive: whole decades around the data and the 7 s line
        double low = Math.min(NOTEBOOK_SECONDS_PER_EPOCH, rows.stream().mapToDouble(r -> notebookEpoch(r).trainSeconds()).min().orElse(1));
        double high = Math.max(NOTEBOOK_SECONDS_PER_EPOCH, rows.stream().mapToDouble(r -> notebookEpoch(r).kerasEpochSeconds()).max().orElse(10));
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(low)))).setYAxisMax(Math.pow(10, Math.ceil(Math.log10(high * 1.01))));
        c.addSeries("epoch as Keras counts it (training + validation)", tags,
                rows.stream().map(r -> notebookEpoch(r).kerasEpochSeconds()).toList());
        c.addSeries("training only", tags, rows.stream().map(r -> notebookEpoch(r).trainSeconds()).toList());
        var reference = c.addSeries("the notebook: about 7 s per epoch", tags, Collections.nCopies(rows.size(), NOTEBOOK_SECONDS_PER_EPOCH));
        reference.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Line);
        reference.setMarker(SeriesMarkers.NONE);
        reference.setLineColor(Color.RED);
        BufferedImage chart = BitmapEncoder.getBufferedImage(c);

        int lineHeight = 18, legendHeight = lineHeight * rows.size() + 16;
        BufferedImage image = new BufferedImage(chart.getWidth(), chart.getHeight() + legendHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.drawImage(chart, 0, 0, null);
        g.setFont(g.getFont().deriveFont(12f));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < rows.size(); i++) {
            String line = chartLine(i);
            while (metrics.stringWidth(line) > image.getWidth() - 20 && line.length() > 20) {
                line = line.substring(0, line.length() - 2); // long names: cut to the picture's width
            }
            g.setColor(differencesFromBaseline(rows.get(i)).isEmpty() ? Color.DARK_GRAY : new Color(0xB0, 0x30, 0x00));
            g.drawString(line, 10, chart.getHeight() + 14 + lineHeight * i);
        }
        g.dispose();
        ImageIO.write(image, "png", out);
    }
}
