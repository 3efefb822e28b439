package dev.cifar10.cli;

import dev.cifar10.bench.BenchReport;
import dev.cifar10.bench.PerRunReport;
import dev.cifar10.bench.BenchResults;
import dev.cifar10.bench.Report;
import dev.cifar10.config.ConfigException;
import dev.cifar10.run.OutputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Which configuration trains faster, by how much, and how sure: benchmark records from any number of files and "
                + "machines, grouped by machine and configuration, as a Markdown report (printed, and written to --markdown) and a "
                + "PNG chart (--chart).",
                "",
                "A configuration is what a record says was run, apart from the machine: framework and version, device, native "
                + "build, layer helpers, threads, data type, batch size, warm-up steps, epoch length, kind of data, runtime, and "
                + "the settings that change speed (OpenMP variables, workers, evaluation batch, mixed precision, ...); never the "
                + "label. A machine is its host name, CPU model, logical cores and operating system (on Linux with its kernel "
                + "release), and the GPU when one did the work.",
                "",
                "Each row is one configuration on one machine: its number of runs; the median over its runs of each run's median "
                + "training images/s, with the slowest and the fastest run; ms/step; the notebook's epoch (35,000 + 15,000 "
                + "images) in seconds as Keras counts it and for training alone; its speed against the baseline configuration on "
                + "the same machine (ratio of the medians) and, where records pair up by round, the median and range of the "
                + "per-round ratios and in how many rounds it was the faster.",
                "",
                "Rounds: records whose labels name the same \"round N\" (as bench/compare-with-pytorch.sh writes them), written "
                + "one after another on the same machine into the same file, form one round; a configuration's second record "
                + "in a round starts the next. A per-round ratio is a configuration's images/s over the baseline's in the same round.",
                "",
                "With several machines: a machine-by-configuration matrix of epoch seconds, and the chart grouped by machine. "
                + "Rows that differ from the baseline in threads, data type, batch size or warm-up steps are marked and warned about."})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RESULTS", arity = "1..*", description = "Results files (JSON Lines) written by bench or the PyTorch reference.")
    List<Path> files;

    @Option(names = "--baseline", paramLabel = "WORDS", description = "The configuration the others are compared with: words in its "
            + "name, or else in its full description, case ignored (e.g. \"pytorch OMP_PROC_BIND=true\"); they must fit exactly one. "
            + "Default: the first record's configuration. With --per-run: a row number or text in the row's name.")
    String baseline;

    @Option(names = "--per-run", description = "One row per record instead (no grouping), fastest first within each backend.")
    boolean perRun;

    @Option(names = "--by-build", description = "Tell apart builds of the project (version and commit) as configurations of their own:"
            + " for before/after comparisons of the code.")
    boolean byBuild;

    @Option(names = "--markdown", paramLabel = "FILE", defaultValue = "bench-report.md", description = "Markdown report (default: ${DEFAULT-VALUE}).")
    Path markdown;

    @Option(names = "--chart", paramLabel = "FILE", defaultValue = "bench-report.png", description = "PNG chart (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<BenchResults.Loaded> loaded = BenchResults.read(files, spec.commandLine().getErr());
        if (loaded.isEmpty()) {
            throw new ConfigException("No usable benchmark records in " + files + ". Run `bench` first (it appends to bench-results.jsonl).");
        }
        BenchReport report;
        String table;
        List<String> warnings;
        try {
            report = perRun ? new PerRunReport(loaded.stream().map(BenchResults.Loaded::record).toList(), baseline)
                    : new Report(loaded, baseline, byBuild);
            table = report.markdown();
            warnings = report.warnings();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        write(markdown, o -> o.write(table.getBytes(StandardCharsets.UTF_8)));
        write(chart, report::writeChart);
        out.print(table);
        warnings.forEach(w -> spec.commandLine().getErr().println("Warning: " + w));
        out.println("Wrote " + markdown + " and " + chart + " (" + loaded.size() + " records)");
        return 0;
    }

    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Written beside the target, then renamed over it: never a half-written report. */
    private static void write(Path target, Body body) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (OutputStream o = Files.newOutputStream(tmp)) {
                body.writeTo(o);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new OutputException("Cannot write " + target + ": " + e);
        }
    }
}
