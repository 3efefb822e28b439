package dev.cifar10.cli;

import dev.cifar10.bench.BenchRecord;
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
        description = {"Compares benchmark results from any number of machines: a Markdown table and a PNG chart,",
                "grouped by backend, fastest first, with each row's speed-up against a baseline row, its device, threads,",
                "data type and batch size, and the notebook's epoch (35,000 + 15,000 images) in seconds as Keras counts it.",
                "Rows that differ from the baseline in threads, data type or batch size are marked and warned about."})
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RESULTS", arity = "1..*", description = "Results files (JSON Lines) written by bench or the PyTorch reference.")
    List<Path> files;

    @Option(names = "--baseline", paramLabel = "ROW|TEXT", description = "The row others are compared with: its number, or text in its name (default: row 1).")
    String baseline;

    @Option(names = "--markdown", paramLabel = "FILE", defaultValue = "bench-report.md", description = "Markdown table (default: ${DEFAULT-VALUE}).")
    Path markdown;

    @Option(names = "--chart", paramLabel = "FILE", defaultValue = "bench-report.png", description = "PNG chart (default: ${DEFAULT-VALUE}).")
    Path chart;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        List<BenchRecord> records = BenchResults.read(files, spec.commandLine().getErr()).stream().map(BenchResults.Loaded::record).toList();
        if (records.isEmpty()) {
            throw new ConfigException("No usable benchmark records in " + files + ". Run `bench` first (it appends to bench-results.jsonl).");
        }
        Report report;
        try {
            report = new Report(records, baseline);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        String table = report.markdown();
        write(markdown, o -> o.write(table.getBytes(StandardCharsets.UTF_8)));
        write(chart, report::writeChart);
        out.print(table);
        report.warnings().forEach(w -> spec.commandLine().getErr().println("Warning: " + w));
        out.println("Wrote " + markdown + " and " + chart + " (" + records.size() + " records)");
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
