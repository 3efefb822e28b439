package dev.cifar10.cli;

import dev.cifar10.bench.BenchRecord;
import dev.cifar10.bench.BenchResults;
import dev.cifar10.bench.Benchmark;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.run.OutputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Times the notebook model: a warm-up, then timed epochs (training and validation).",
                "Prints per-epoch and median seconds, ms/step, images/s and peak memory, and appends a result record "
                        + "(JSON Lines) to the results file for `report`. Settings: profile bench, flags override."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunSettingsOptions settings = new RunSettingsOptions("bench");

    /**
     * HotSpot compiles a method fully (C2) only after thousands of calls, and DL4J's Java code runs a few calls
     * per layer per step. Warm-up steps run as the timed epochs do (the same fit loop, an epoch's steps at a time, each
     * followed by a validation pass): plain steps left the validation and iterator code to the timed epochs, whose
     * first ones then ran up to 15% slow while it compiled, even after 1,000 steps. With 1,000 steps run this way the
     * timed epochs are level from the first (docs/benchmarks.md, "Warm-up"; measured on a 2-vCPU AMD EPYC); that is 3% of the notebook's 30 epochs.
     */
    @Option(names = "--warmup-steps", defaultValue = "1000",
            description = "Untimed training steps first, an epoch's worth at a time, each followed by a validation pass, so "
                    + "the timed epochs run at the speed reached once the JVM has compiled the Java code (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--steps", description = "Cap each timed epoch at this many steps (default: whole epochs).")
    Integer steps;

    @Option(names = "--results", paramLabel = "FILE", defaultValue = "bench-results.jsonl",
            description = "Results file the record is appended to (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--label", defaultValue = "", description = "Free text stored in the record, e.g. the machine's name.")
    String label;

    @Option(names = "--breakdown", paramLabel = "STEPS", defaultValue = "0",
            description = "Instead of timed epochs: time STEPS steps phase by phase (data, forward, backward, updater) and layer type "
                    + "by layer type, print the medians; no record (docs/where-the-time-goes.md).")
    int breakdown;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        if (warmupSteps < 0 || breakdown < 0) throw new ConfigException("--warmup-steps and --breakdown must be 0 or more.");
        if (steps != null && steps < 1) {
            throw new ConfigException("--steps " + steps + " times nothing: give 1 or more steps per epoch, or leave --steps out for whole epochs.");
        }
        RunConfig config = settings.resolve();
        Path cache = common.apply();
        if (breakdown > 0) {
            new Benchmark(config, cache, spec.commandLine().getOut()).breakdown(warmupSteps, breakdown);
            return 0;
        }
        BenchRecord record = new Benchmark(config, cache, spec.commandLine().getOut()).run(warmupSteps, steps == null ? 0 : steps, label);
        try {
            BenchResults.append(results, record);
        } catch (IOException e) {
            throw new OutputException("Cannot append the result to " + results + ": " + e + ". Pass a writable --results.");
        }
        spec.commandLine().getOut().println("Appended the record to " + results);
        return 0;
    }
}
