package dev.cifar10.data;

import java.util.SplittableRandom;

/**
 * A deterministic, learnable stand-in for CIFAR-10 that needs no network: each class has its own
 * colour cast and stripe orientation/frequency; each image adds a random phase, contrast and noise.
 * The same seed gives the same bytes on every machine.
 */
public final class SyntheticCifar10 {
    public static final int DEFAULT_TRAIN = 50_000, DEFAULT_TEST = 10_000;

    private SyntheticCifar10() {
    }

    public static Cifar10 generate(int train, int test, long seed) {
        return new Cifar10(images(train, seed), images(test, seed ^ 0x5DEECE66DL), "synthetic (seed " + seed + ")");
    }

    static LabeledImages images(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[n * LabeledImages.IMAGE_BYTES];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = random.nextInt(Cifar10.CLASSES);
            labels[i] = (byte) k;
            double angle = Math.PI * k / Cifar10.CLASSES;
            double frequency = 2 * Math.PI * (2 + k % 4) / 32.0;
            double fx = Math.cos(angle) * frequency, fy = Math.sin(angle) * frequency;
            double phase = random.nextDouble() * 2 * Math.PI;
            double contrast = 40 + random.nextDouble() * 40;
            int base = i * LabeledImages.IMAGE_BYTES;
            for (int c = 0; c < 3; c++) {
                double cast = 60 * Math.sin(2 * Math.PI * (k + 3 * c) / Cifar10.CLASSES);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        double v = 128 + cast + contrast * Math.sin(fx * x + fy * y + phase) + 35 * random.nextDouble() - 17.5;
                        pixels[base + c * LabeledImages.CHANNEL_BYTES + y * 32 + x] = (byte) Math.max(0, Math.min(255, (int) v));
                    }
                }
            }
        }
        return new LabeledImages(pixels, labels);
    }
}
