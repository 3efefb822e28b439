package dev.cifar10;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real CIFAR-10 records shipped beside the project (never copied into it). */
public final class SampleData {
    public static final Path DIR = Path.of("..", "shared", "data", "cifar10-sample");

    private SampleData() {
    }

    public static Path file(String name) {
        return DIR.resolve(name);
    }

    /** A copy of the sample directory in {@code target}, for tests that damage files. */
    public static Path copyTo(Path target) throws IOException {
        Files.createDirectories(target);
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"}) {
            Files.copy(file(f), target.resolve(f));
        }
        return target;
    }
}
