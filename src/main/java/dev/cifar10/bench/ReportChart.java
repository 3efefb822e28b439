package dev.cifar10.bench;

import dev.cifar10.bench.Report.Row;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's chart: one bar per configuration on a machine, named by the configuration, at the median seconds per
 * notebook epoch as Keras counts it, with a whisker from the fastest run to the slowest, the speed against the
 * baseline above it, and the notebook's 7 s as a line. Bars are grouped by machine, one colour each. The scale is
 * linear from zero unless the figures span more than a factor of ten (a GPU beside a 2-core CPU): then logarithmic.
 */
final class ReportChart {
    private static final int HEIGHT = 640;
    private static final Color NOTEBOOK = new Color(0xC0, 0x10, 0x10);
    private static final Color WHISKER = new Color(0x20, 0x20, 0x20);

    private ReportChart() {
    }

    /** One bar. */
    record Bar(Row row, String label, String note) {
    }

    static List<Bar> bars(Report report) {
        List<Bar> bars = new ArrayList<>();
        for (Machine m : report.machines()) {
            for (Row r : report.rows(m)) {
                boolean baseline = r.configuration().equals(report.baseline());
                boolean unlike = !baseline && !report.differencesFromBaseline(r.configuration()).isEmpty();
                double s = report.speedUp(r);
                String note = baseline ? "baseline" : Double.isNaN(s) ? "" : Report.ratio(s) + "x training speed" + (unlike ? " *" : "");
                bars.add(new Bar(r, report.name(r.configuration()) + (unlike ? " *" : ""), note));
            }
        }
        return bars;
    }

    /** Whether the figures (every run's epoch seconds) span more than one order of magnitude. */
    static boolean logarithmic(List<Bar> bars) {
        double low = bars.stream().mapToDouble(b -> b.row().minEpochSeconds()).min().orElse(1);
        double high = bars.stream().mapToDouble(b -> b.row().maxEpochSeconds()).max().orElse(1);
        return high / low > 10;
    }

    static void write(Report report, OutputStream out) throws IOException {
        List<Bar> bars = bars(report);
        boolean log = logarithmic(bars);
        int slot = 190;
        int width = Math.max(960, slot * bars.size() + 140);
        CategoryChart c = new CategoryChartBuilder().width(width).height(HEIGHT)
                .title("Seconds per notebook epoch as Keras counts it (35,000 + 15,000 images), lower is better" + (log ? "; log scale" : ""))
                .yAxisTitle("seconds").build();
        var styler = c.getStyler();
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setXAxisTicksVisible(false); // the names are drawn below, wrapped to their bar's width
        styler.setXAxisTitleVisible(false);
        styler.setChartBackgroundColor(Color.WHITE).setLegendVisible(false).setDecimalPattern(log ? "#,##0.#" : "#,##0");
        styler.setOverlapped(true); // one bar per category; the machines' series fill different categories
        styler.setAvailableSpaceFill(0.6);
        double low = Math.min(Report.NOTEBOOK_SECONDS_PER_EPOCH, bars.stream().mapToDouble(b -> b.row().minEpochSeconds()).min().orElse(1));
        double high = Math.max(Report.NOTEBOOK_SECONDS_PER_EPOCH, bars.stream().mapToDouble(b -> b.row().maxEpochSeconds()).max().orElse(1));
        if (log) {
            // bars start at the axis minimum, which on a log axis must be positive: a whole decade below the data and the 7 s line
            styler.setYAxisLogarithmic(true).setYAxisMin(Math.pow(10, Math.floor(Math.log10(low)))).setYAxisMax(high * 2.5);
        } else {
            styler.setYAxisMin(0.0).setYAxisMax(high * 1.15);
        }
        List<String> categories = new ArrayList<>();
        for (int i = 0; i < bars.size(); i++) categories.add(String.valueOf(i + 1)); // unique; never shown
        List<Machine> machines = report.machines();
        for (Machine m : machines) {
            List<Double> values = bars.stream().map(b -> b.row().machine().equals(m) ? b.row().medianEpochSeconds() : null).toList();
            c.addSeries(report.name(m), categories, values).setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Bar);
        }
        BufferedImage chart = BitmapEncoder.getBufferedImage(c); // paints, which lays out the axes read below

        Font nameFont = new Font(Font.SANS_SERIF, Font.BOLD, 13), captionFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13),
                noteFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12), valueFont = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        FontMetrics nameMetrics = metrics(nameFont);
        List<List<String>> names = bars.stream().map(b -> wrap(b.label(), nameMetrics, slot - 16)).toList();
        int nameLines = names.stream().mapToInt(List::size).max().orElse(1), line = 17;
        List<String> footer = wrap("Bar: median over runs (each run: the median of its epochs); whisker: fastest to slowest run. Above each bar: "
                + "its median, and its training speed (images/s) against the baseline, " + report.name(report.baseline())
                + ", on the same machine" + (bars.stream().anyMatch(b -> b.label().endsWith(" *")) ? "; * not like for like with it" : "")
                + ". Dashed red line: the notebook's about 7 s per epoch (Keras on a GPU).", metrics(noteFont), width - 40);
        int namesTop = chart.getHeight() + 4, captionTop = namesTop + nameLines * line + 10, footerTop = captionTop + 30;
        BufferedImage image = new BufferedImage(width, footerTop + footer.size() * 16 + 10, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.drawImage(chart, 0, 0, null);

        double left = c.getScreenXFromChart(0), right = c.getScreenXFromChart(bars.size());
        // the notebook's 7 s, across the plot
        int y7 = (int) Math.round(c.getScreenYFromChart(Report.NOTEBOOK_SECONDS_PER_EPOCH));
        g.setColor(NOTEBOOK);
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{8, 5}, 0));
        g.drawLine((int) left, y7, (int) right, y7);
        g.setFont(noteFont);
        g.drawString("7 s", (int) right + 4, y7 + 4); // in the plot's margin, clear of the bars; the footer says what it is
        for (int i = 0; i < bars.size(); i++) {
            Row r = bars.get(i).row();
            int x = (int) Math.round(c.getScreenXFromChart(i + 0.5));
            // whisker: fastest to slowest run
            int top = (int) Math.round(c.getScreenYFromChart(r.maxEpochSeconds()));
            int bottom = (int) Math.round(c.getScreenYFromChart(r.minEpochSeconds()));
            g.setColor(WHISKER);
            g.setStroke(new BasicStroke(1.6f));
            g.drawLine(x, top, x, bottom);
            g.drawLine(x - 7, top, x + 7, top);
            g.drawLine(x - 7, bottom, x + 7, bottom);
            int median = (int) Math.round(c.getScreenYFromChart(r.medianEpochSeconds()));
            int textBottom = Math.min(top, median) - 6;
            centred(g, noteFont, bars.get(i).note(), x, textBottom);
            centred(g, valueFont, Report.seconds(r.medianEpochSeconds()) + " s", x, textBottom - 15);
            // the configuration's name below its bar
            g.setColor(Color.BLACK);
            for (int k = 0; k < names.get(i).size(); k++) centred(g, nameFont, names.get(i).get(k), x, namesTop + line * (k + 1));
        }
        // each machine's name under its bars, with a bracket as wide as its group
        int groupStart = 0;
        for (int i = 1; i <= bars.size(); i++) {
            if (i < bars.size() && bars.get(i).row().machine().equals(bars.get(groupStart).row().machine())) continue;
            Machine m = bars.get(groupStart).row().machine();
            int from = (int) c.getScreenXFromChart(groupStart) + 10, to = (int) c.getScreenXFromChart(i) - 10;
            g.setColor(colour(c, report.name(m)));
            g.setStroke(new BasicStroke(3f));
            g.drawLine(from, captionTop, to, captionTop);
            g.setColor(Color.DARK_GRAY);
            String caption = machines.size() > 1 ? report.name(m) : m.describe();
            centred(g, captionFont, caption, (from + to) / 2, captionTop + 18);
            if (i < bars.size()) { // a rule between machines' groups
                g.setColor(Color.GRAY);
                g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{3, 3}, 0));
                int x = (int) Math.round(c.getScreenXFromChart(i));
                g.drawLine(x, (int) c.getScreenYFromChart(styler.getYAxisMax()), x, captionTop);
            }
            groupStart = i;
        }
        g.setColor(Color.DARK_GRAY);
        for (int k = 0; k < footer.size(); k++) {
            g.setFont(noteFont);
            g.drawString(footer.get(k), 20, footerTop + 16 * k + 12);
        }
        g.dispose();
        ImageIO.write(image, "png", out);
    }

    private static Color colour(CategoryChart c, String series) {
        return c.getSeriesMap().get(series).getFillColor();
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        FontMetrics m = g.getFontMetrics(font);
        g.dispose();
        return m;
    }

    /** Lines of at most {@code width} pixels, broken after spaces; a word wider than that stands alone. */
    static List<String> wrap(String text, FontMetrics m, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String word : text.split("(?<= )")) {
            String next = current + word;
            if (current.length() > 0 && m.stringWidth(next.strip()) > width) {
                lines.add(current.toString().strip());
                current = new StringBuilder(word);
            } else {
                current = new StringBuilder(next);
            }
        }
        if (!current.isEmpty()) lines.add(current.toString().strip());
        return lines;
    }

    private static void centred(Graphics2D g, Font font, String text, int x, int baseline) {
        g.setFont(font);
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, x - m.stringWidth(text) / 2, baseline);
    }
}
