package dev.cifar10.bench;

import dev.cifar10.bench.BenchRecord.NotebookEpoch;
import dev.cifar10.util.Stats;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which configuration is faster, by how much, and how sure: benchmark records grouped by machine and
 * {@link Configuration}, one row per configuration on a machine with the median and range over its runs, its speed
 * against a baseline configuration on the same machine, and where records pair up by round, the per-round ratios'
 * median and range. With several machines, a machine-by-configuration matrix of epoch seconds. Epochs are scaled to
 * the notebook's (35,000 training + 15,000 validation images), counted as Keras counts them and as training alone.
 */
public final class Report implements BenchReport {
    /** The notebook's own figure, a Keras epoch (training and validation) on its GPU. */
    static final double NOTEBOOK_SECONDS_PER_EPOCH = 7;
    static final String NOTEBOOK_LINE = "Reference: the notebook (Keras on a GPU) reports about 7 s per epoch, "
            + "training on 35,000 images and validating on 15,000.";
    /** How bench/compare-with-pytorch.sh and the before/after scripts name a round in the label: "round 2, load 1.3". */
    static final Pattern ROUND = Pattern.compile("(?i)\\bround\\s+(\\d+)\\b");

    /** One record: where it was read, its machine, configuration and round (null when its label names none). */
    public record Run(Path file, int line, BenchRecord record, Machine machine, Configuration configuration, String round) {
        double imagesPerSecond() {
            return record.median().imagesPerSecond();
        }

        NotebookEpoch notebookEpoch() {
            return NotebookEpoch.of(record.median());
        }
    }

    /** One configuration on one machine and its runs, in the order read. */
    public record Row(Machine machine, Configuration configuration, List<Run> runs) {
        private double[] each(ToDoubleFunction<Run> f) {
            return runs.stream().mapToDouble(f).toArray();
        }

        public double medianImagesPerSecond() {
            return Stats.median(each(Run::imagesPerSecond));
        }

        public double minImagesPerSecond() {
            return Arrays.stream(each(Run::imagesPerSecond)).min().orElse(Double.NaN);
        }

        public double maxImagesPerSecond() {
            return Arrays.stream(each(Run::imagesPerSecond)).max().orElse(Double.NaN);
        }

        public double medianMsPerStep() {
            return Stats.median(each(r -> r.record().median().msPerStep()));
        }

        /** Seconds for the notebook's epoch as Keras counts it (training + validation): median over runs. */
        public double medianEpochSeconds() {
            return Stats.median(each(r -> r.notebookEpoch().kerasEpochSeconds()));
        }

        public double minEpochSeconds() {
            return Arrays.stream(each(r -> r.notebookEpoch().kerasEpochSeconds())).min().orElse(Double.NaN);
        }

        public double maxEpochSeconds() {
            return Arrays.stream(each(r -> r.notebookEpoch().kerasEpochSeconds())).max().orElse(Double.NaN);
        }

        public double medianTrainingSeconds() {
            return Stats.median(each(r -> r.notebookEpoch().trainSeconds()));
        }
    }

    private final List<Run> runs = new ArrayList<>();
    private final List<Machine> machines;
    private final List<Configuration> configurations;
    private final Map<Machine, String> machineNames;
    private final Map<Configuration, String> names;
    /** Per machine (in the order first read), its rows fastest first. */
    private final Map<Machine, List<Row>> rows = new LinkedHashMap<>();
    private final Configuration baseline;
    private final String baselineChoice;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param loaded           the records in the order read (files in the order given, lines in file order): the first
     *                         record's configuration is the default baseline, and rounds are found in that order
     * @param baselineSelector words that name one configuration (see {@link #pickBaseline}); null or blank for the default
     * @param byBuild          tell project builds (version and commit) apart, for before/after comparisons of the code
     */
    public Report(List<BenchResults.Loaded> loaded, String baselineSelector, boolean byBuild) {
        if (loaded.isEmpty()) throw new IllegalArgumentException("No usable benchmark records.");
        Configuration.Assigned assigned = Configuration.assign(loaded.stream().map(BenchResults.Loaded::record).toList(), byBuild);
        Map<String, Round> openRounds = new HashMap<>();
        int[] roundCount = {0};
        for (int i = 0; i < loaded.size(); i++) {
            BenchResults.Loaded l = loaded.get(i);
            Machine machine = Machine.of(l.record());
            Configuration configuration = assigned.perRecord().get(i);
            runs.add(new Run(l.file(), l.line(), l.record(), machine, configuration,
                    round(openRounds, roundCount, l.file(), machine, configuration, l.record().label())));
        }
        machines = runs.stream().map(Run::machine).distinct().toList();
        configurations = runs.stream().map(Run::configuration).distinct().toList();
        machineNames = Machine.names(machines);
        names = Configuration.names(configurations);
        for (Machine m : machines) {
            Map<Configuration, List<Run>> byConfiguration = runs.stream().filter(r -> r.machine().equals(m))
                    .collect(Collectors.groupingBy(Run::configuration, LinkedHashMap::new, Collectors.toList()));
            rows.put(m, byConfiguration.entrySet().stream().map(e -> new Row(m, e.getKey(), List.copyOf(e.getValue())))
                    .sorted(Comparator.comparingDouble(Row::medianImagesPerSecond).reversed()).toList());
        }
        if (baselineSelector == null || baselineSelector.isBlank()) {
            baseline = runs.get(0).configuration();
            baselineChoice = "the first record's configuration; `--baseline` names another";
        } else {
            baseline = pickBaseline(baselineSelector.strip());
            baselineChoice = "`--baseline " + baselineSelector.strip() + "`";
        }
        collectNotes(assigned.completed(), byBuild);
    }

    /** Records of one round: same file, same machine, consecutive records whose labels name the same round. */
    private static final class Round {
        final String id;
        final String key;
        final Set<Configuration> configurations = new HashSet<>();

        Round(String id, String key) {
            this.id = id;
            this.key = key;
        }
    }

    /**
     * The round a record belongs to, or null. A round ends where a record names another round, or where a
     * configuration comes a second time (a script run twice into one file numbers its rounds from 1 again).
     */
    private static String round(Map<String, Round> open, int[] count, Path file, Machine machine, Configuration configuration, String label) {
        String id = roundId(label);
        if (id == null) return null;
        String where = file + "\n" + machine;
        Round current = open.get(where);
        if (current == null || !current.id.equals(id) || current.configurations.contains(configuration)) {
            current = new Round(id, where + "\nround " + id + " #" + ++count[0]);
            open.put(where, current);
        }
        current.configurations.add(configuration);
        return current.key;
    }

    static String roundId(String label) {
        if (label == null) return null;
        Matcher m = ROUND.matcher(label);
        return m.find() ? m.group(1) : null;
    }

    /**
     * The configuration whose name holds every word of the selector (case ignored), or failing that whose full
     * description does; a name equal to the selector wins. None or several: an error listing the names.
     */
    private Configuration pickBaseline(String selector) {
        for (Configuration c : configurations) {
            if (names.get(c).equalsIgnoreCase(selector)) return c;
        }
        List<String> words = List.of(selector.toLowerCase(Locale.ROOT).split("\\s+"));
        for (boolean inDescription : new boolean[]{false, true}) {
            List<Configuration> matches = configurations.stream().filter(c -> {
                String text = (inDescription ? c.describe() : names.get(c)).toLowerCase(Locale.ROOT);
                return words.stream().allMatch(text::contains);
            }).toList();
            if (matches.size() == 1) return matches.get(0);
            if (matches.size() > 1) {
                throw new IllegalArgumentException("--baseline '" + selector + "' matches " + matches.size() + " configurations: "
                        + matches.stream().map(names::get).collect(Collectors.joining("; "))
                        + ". Add words that only one of them has (or give its whole name).");
            }
        }
        throw new IllegalArgumentException("--baseline '" + selector + "' matches no configuration; they are: "
                + configurations.stream().map(names::get).collect(Collectors.joining("; ")));
    }

    public Configuration baseline() {
        return baseline;
    }

    public String name(Configuration c) {
        return names.get(c);
    }

    public String name(Machine m) {
        return machineNames.get(m);
    }

    public List<Machine> machines() {
        return machines;
    }

    public List<Configuration> configurations() {
        return configurations;
    }

    /** Rows of one machine, fastest first. */
    public List<Row> rows(Machine m) {
        return rows.get(m);
    }

    public List<Row> rows() {
        return rows.values().stream().flatMap(List::stream).toList();
    }

    /** The baseline configuration's row on the row's machine, or null where it did not run there. */
    Row baselineRow(Machine m) {
        return row(m, baseline);
    }

    /** The row's median images/s over the baseline's on the same machine; NaN where the baseline did not run there. */
    public double speedUp(Row r) {
        Row b = baselineRow(r.machine());
        return b == null ? Double.NaN : r.medianImagesPerSecond() / b.medianImagesPerSecond();
    }

    /** Per round that holds both, the row's images/s over the baseline's in that round; in round order. */
    public List<Double> roundRatios(Row r) {
        Row b = baselineRow(r.machine());
        if (b == null || b == r) return List.of();
        Map<String, Run> baselineByRound = new LinkedHashMap<>();
        b.runs().stream().filter(x -> x.round() != null).forEach(x -> baselineByRound.put(x.round(), x));
        List<Double> ratios = new ArrayList<>();
        for (Run x : r.runs()) {
            Run base = x.round() == null ? null : baselineByRound.get(x.round());
            if (base != null) ratios.add(x.imagesPerSecond() / base.imagesPerSecond());
        }
        return ratios;
    }

    /**
     * How a configuration differs from the baseline in what makes a speed ratio like for like: thread count (between
     * two CPU rows; a GPU row's host threads only feed it), data type, batch size, warm-up steps. Empty when comparable.
     */
    public List<String> differencesFromBaseline(Configuration c) {
        Configuration b = baseline;
        List<String> d = new ArrayList<>();
        if (!c.onGpu() && !b.onGpu() && !Objects.equals(c.threads(), b.threads())) {
            d.add(threads(c) + " vs " + threads(b) + " threads");
        }
        if (!Objects.equals(c.dataType(), b.dataType())) d.add(c.dataType() + " vs " + b.dataType());
        if (c.batchSize() != b.batchSize()) d.add("batch " + c.batchSize() + " vs " + b.batchSize());
        if (c.warmupSteps() != b.warmupSteps()) d.add(c.warmupSteps() + " vs " + b.warmupSteps() + " warm-up steps");
        return d;
    }

    private static String threads(Configuration c) {
        return c.threads() == null ? "?" : String.valueOf(c.threads());
    }

    /** One line per row that is not like for like with the baseline; empty when every row is. */
    @Override
    public List<String> warnings() {
        List<String> w = new ArrayList<>();
        for (Row r : rows()) {
            List<String> d = differencesFromBaseline(r.configuration());
            if (!d.isEmpty() && baselineRow(r.machine()) != null) {
                w.add(String.format(Locale.ROOT, "%s on %s is not like for like with the baseline %s (%s): its %.2fx compares different settings",
                        names.get(r.configuration()), machineNames.get(r.machine()), names.get(baseline), String.join(", ", d), speedUp(r)));
            }
        }
        return w;
    }

    private void collectNotes(List<Configuration.Completed> completed, boolean byBuild) {
        Map<String, List<String>> completedBy = new TreeMap<>();
        for (Configuration.Completed c : completed) {
            Run run = runs.get(c.record());
            completedBy.computeIfAbsent(names.get(run.configuration()) + "\n" + String.join(", ", c.missing()), k -> new ArrayList<>())
                    .add(run.file().getFileName() + ":" + run.line());
        }
        completedBy.forEach((key, where) -> {
            String[] parts = key.split("\n");
            notes.add(String.format(Locale.ROOT, "%d record%s without %s (written before records held %s) counted as %s, the one configuration "
                            + "that agrees with everything they record: %s.", where.size(), where.size() == 1 ? "" : "s", parts[1],
                    parts[1].contains(",") ? "them" : "it", parts[0], abbreviate(where)));
        });
        for (Configuration c : configurations) {
            if (c.facets().containsKey(Configuration.SETTINGS_NOT_RECORDED)) {
                notes.add(names.get(c) + ": its records hold no settings (written before records held them), so runs that differed "
                        + "only in settings (OpenMP variables, workers, ...) are counted together.");
            }
        }
        if (!byBuild) {
            for (Row r : rows()) {
                Map<String, Long> builds = r.runs().stream().collect(Collectors.groupingBy(x -> build(x.record()), TreeMap::new,
                        Collectors.counting()));
                if (builds.size() > 1) {
                    notes.add(String.format(Locale.ROOT, "%s on %s: runs from %d builds of the project (%s); `--by-build` tells them apart.",
                            names.get(r.configuration()), machineNames.get(r.machine()), builds.size(),
                            builds.entrySet().stream().map(e -> e.getKey() + ": " + runs(e.getValue())).collect(Collectors.joining("; "))));
                }
            }
        }
    }

    private static String build(BenchRecord r) {
        return r.project() == null ? "unknown build" : r.project().version() + " " + r.project().commit();
    }

    private static String abbreviate(List<String> items) {
        return items.size() <= 6 ? String.join(", ", items) : String.join(", ", items.subList(0, 5)) + " and " + (items.size() - 5) + " more";
    }

    private static String runs(long n) {
        return n + (n == 1 ? " run" : " runs");
    }

    /** Text for a table cell: a "|" in a name or setting would end the cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** Images/s with the digits that mean something: 1,051 or 52.8. */
    static String rate(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%,.0f" : "%.1f", v);
    }

    static String seconds(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** "0.98 (0.90-1.01; faster in 2 of 5 rounds)", "baseline", or why there is none. */
    String roundColumn(Row r) {
        if (r.configuration().equals(baseline)) return "baseline";
        if (baselineRow(r.machine()) == null) return "n/a";
        List<Double> ratios = roundRatios(r);
        if (ratios.isEmpty()) return "no rounds pair";
        double[] v = ratios.stream().mapToDouble(Double::doubleValue).toArray();
        long faster = ratios.stream().filter(x -> x > 1).count();
        return ratio(Stats.median(v)) + " (" + (v.length == 1 ? "" : ratio(Arrays.stream(v).min().orElseThrow()) + "-"
                + ratio(Arrays.stream(v).max().orElseThrow()) + "; ") + "faster in " + faster + " of " + v.length + (v.length == 1 ? " round)" : " rounds)");
    }

    private String speedColumn(Row r) {
        if (r.configuration().equals(baseline)) return "1.00x (baseline)";
        double s = speedUp(r);
        return Double.isNaN(s) ? "n/a: the baseline did not run on this machine" : ratio(s) + "x";
    }

    private String likeColumn(Row r) {
        if (r.configuration().equals(baseline)) return "baseline";
        List<String> d = differencesFromBaseline(r.configuration());
        return d.isEmpty() ? "yes" : "**no**: " + String.join(", ", d);
    }

    @Override
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Epoch times by machine and configuration\n\n");
        Map<Path, Long> files = runs.stream().collect(Collectors.groupingBy(Run::file, LinkedHashMap::new, Collectors.counting()));
        sb.append(String.format(Locale.ROOT, "%d records (%s): %d configuration%s on %d machine%s. Baseline: **%s** (%s).%n%n", runs.size(),
                files.entrySet().stream().map(e -> "`" + e.getKey() + "` " + e.getValue()).collect(Collectors.joining(", ")),
                configurations.size(), configurations.size() == 1 ? "" : "s", machines.size(), machines.size() == 1 ? "" : "s",
                names.get(baseline), baselineChoice));
        sb.append("Each row is one configuration on one machine. Images/s: the median over its runs, each run counted by its own "
                + "median over its timed epochs; the range runs from the slowest run to the fastest. Speed vs the baseline: the row's "
                + "median over the baseline configuration's on the same machine (above 1: faster). Per round: records of one round of a "
                + "comparison script (labels naming the same \"round N\", on one machine, in one results file) pair up, and each pair "
                + "gives the row's images/s over the baseline's in that round; shown are the median of those ratios, their range, and "
                + "in how many rounds the row was the faster.\n");
        List<String> common = Configuration.common(configurations);
        if (!common.isEmpty()) sb.append("\nCommon to every configuration: ").append(String.join(", ", common)).append(".\n");
        for (Machine m : machines) {
            sb.append("\n## ").append(m.describe()).append("\n\n");
            sb.append("| configuration | runs | images/s (training, median of runs) | slowest-fastest run | ms/step "
                    + "| notebook epoch as Keras counts it, s (35,000 + 15,000 images) | notebook epoch, training only, s "
                    + "| threads | data type | batch | speed vs baseline | per round: median (range; rounds faster) | like for like with the baseline |\n");
            sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Row r : rows.get(m)) {
                Configuration c = r.configuration();
                sb.append("| ").append(cell(names.get(c))).append(" | ").append(r.runs().size())
                        .append(" | ").append(rate(r.medianImagesPerSecond()))
                        .append(" | ").append(rate(r.minImagesPerSecond())).append('-').append(rate(r.maxImagesPerSecond()))
                        .append(" | ").append(seconds(r.medianMsPerStep()))
                        .append(" | ").append(seconds(r.medianEpochSeconds()))
                        .append(" | ").append(seconds(r.medianTrainingSeconds()))
                        .append(" | ").append(c.onGpu() ? threads(c) + " (host)" : threads(c))
                        .append(" | ").append(c.dataType()).append(" | ").append(c.batchSize())
                        .append(" | ").append(speedColumn(r)).append(" | ").append(roundColumn(r))
                        .append(" | ").append(likeColumn(r)).append(" |\n");
            }
        }
        if (machines.size() > 1) matrix(sb);
        sb.append("\n## Configurations\n\n");
        for (Configuration c : configurations) {
            String where = machines.stream().map(m -> row(m, c)).filter(Objects::nonNull)
                    .map(r -> runs(r.runs().size()) + " on " + machineNames.get(r.machine()))
                    .collect(Collectors.joining(", "));
            sb.append("- **").append(names.get(c)).append("**: ").append(c.describe()).append(". ").append(where).append(".\n");
        }
        List<String> warnings = warnings();
        if (!notes.isEmpty() || !warnings.isEmpty()) {
            sb.append("\n## Notes\n\n");
            notes.forEach(n -> sb.append("- ").append(n).append('\n'));
            warnings.forEach(w -> sb.append("- Warning: ").append(w).append(".\n"));
        }
        sb.append('\n').append(NOTEBOOK_LINE).append('\n');
        return sb.toString();
    }

    /** Machines by configurations: median seconds per notebook epoch, and each shared configuration's speed across machines. */
    private void matrix(StringBuilder sb) {
        sb.append("\n## Across machines\n\n");
        sb.append("Seconds per notebook epoch as Keras counts it (35,000 + 15,000 images), median over runs (number of runs); "
                + "- where the configuration did not run on the machine.\n\n");
        sb.append("| machine |");
        configurations.forEach(c -> sb.append(' ').append(cell(names.get(c))).append(" |"));
        sb.append("\n|---|").append("---|".repeat(configurations.size())).append('\n');
        for (Machine m : machines) {
            sb.append("| ").append(cell(machineNames.get(m))).append(" |");
            for (Configuration c : configurations) {
                Row r = row(m, c);
                sb.append(' ').append(r == null ? "-" : seconds(r.medianEpochSeconds()) + " s (" + r.runs().size() + ")").append(" |");
            }
            sb.append('\n');
        }
        List<String> shared = new ArrayList<>();
        for (Configuration c : configurations) {
            List<Row> on = machines.stream().map(m -> row(m, c)).filter(Objects::nonNull).toList();
            if (on.size() < 2) continue;
            Row first = on.get(0);
            shared.add(names.get(c) + ": " + on.stream().skip(1).map(r -> String.format(Locale.ROOT, "%s at %sx the speed of %s (%s vs %s images/s)",
                    machineNames.get(r.machine()), ratio(r.medianImagesPerSecond() / first.medianImagesPerSecond()),
                    machineNames.get(first.machine()), rate(r.medianImagesPerSecond()), rate(first.medianImagesPerSecond())))
                    .collect(Collectors.joining("; ")));
        }
        if (!shared.isEmpty()) {
            sb.append("\nThe same configuration on several machines (medians over runs):\n\n");
            shared.forEach(s -> sb.append("- ").append(s).append('\n'));
        }
    }

    /** The configuration's row on the machine, or null where it did not run there. */
    Row row(Machine m, Configuration c) {
        return rows.get(m).stream().filter(r -> r.configuration().equals(c)).findFirst().orElse(null);
    }

    @Override
    public void writeChart(OutputStream out) throws IOException {
        ReportChart.write(this, out);
    }
}
