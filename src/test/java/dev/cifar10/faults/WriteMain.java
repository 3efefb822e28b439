package dev.cifar10.faults;

import dev.cifar10.run.RunDirectory;

import java.nio.file.Path;

/** One atomic write into a new run directory, in a process of its own, so a test can trace its system calls. Args: dir. */
public final class WriteMain {
    public static void main(String[] args) {
        RunDirectory.create(Path.of(args[0])).writeText("history.csv", "epoch,loss\n1,2.0\n");
    }
}
