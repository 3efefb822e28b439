package dev.cifar10.cli;

import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.run.RunRecord;
import dev.cifar10.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains the notebook's CNN and writes a run directory: run.json, history.csv/.json, curves.png, model.zip, test.json.",
                "Settings come from a profile (default: notebook); every flag overrides its profile value."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunSettingsOptions settings;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<timestamp>-<profile>).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR after its last completed epoch, "
            + "with its own settings (only --epochs may change, to train longer).")
    Path resume;

    @Option(names = "--allow-inexact-resume", description = "With --resume: continue a run of several workers, whose result cannot "
            + "match an uninterrupted run (ParallelWrapper is not reproducible); without it such a resume is refused.")
    boolean allowInexactResume;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        Path cache = common.apply();
        if (resume != null) {
            if (out != null) throw new ConfigException("--resume writes into the run it continues; leave out --out.");
            RunConfig config = settings.resolveForResume(RunRecord.read(resume).config());
            new Trainer(config, cache, spec.commandLine().getOut()).resume(resume, allowInexactResume);
        } else {
            if (allowInexactResume) throw new ConfigException("--allow-inexact-resume goes with --resume DIR.");
            RunConfig config = settings.resolve();
            new Trainer(config, cache, spec.commandLine().getOut()).train(out != null ? out : RunDirectory.defaultPath(config, ""));
        }
        return 0;
    }
}
