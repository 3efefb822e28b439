package dev.cifar10.cli;

import dev.cifar10.data.Cifar10Source;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options of every command that trains: where the download is cached, and how much DL4J may log. */
public final class CommonOptions {
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where the CIFAR-10 download and the convolution-path verdicts are kept (default: $XDG_CACHE_HOME/cifar10-dl4j or ~/.cache/cifar10-dl4j).")
    Path cacheDir;

    @Option(names = "--verbose", description = "Show DL4J's and ND4J's INFO logging.")
    boolean verbose;

    /** Applies --verbose; returns the cache directory to use. */
    Path apply() {
        Main.setVerbose(verbose);
        return cacheDir != null ? cacheDir : Cifar10Source.defaultCacheDir();
    }
}
