package dev.cifar10.data;

import java.nio.file.Path;

/** Turns the {@code data} setting into a dataset: {@code download}, {@code synthetic}, or a directory. */
public final class Cifar10Source {
    private Cifar10Source() {
    }

    public static Cifar10 load(String data, Path cacheDir, int maxTrain, int maxTest, long seed) {
        return switch (data) {
            case "synthetic" -> SyntheticCifar10.generate(
                    maxTrain > 0 ? maxTrain : SyntheticCifar10.DEFAULT_TRAIN, maxTest > 0 ? maxTest : SyntheticCifar10.DEFAULT_TEST, seed);
            case "download" -> Cifar10Binary.readDirectory(Cifar10Download.official(cacheDir).ensure(), maxTrain, maxTest);
            default -> Cifar10Binary.readDirectory(Path.of(data), maxTrain, maxTest);
        };
    }

    /** $XDG_CACHE_HOME/cifar10-dl4j, else ~/.cache/cifar10-dl4j. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("cifar10-dl4j");
    }
}
