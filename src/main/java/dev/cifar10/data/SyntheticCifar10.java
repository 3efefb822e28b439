package dev.cifar10.data;

import java.util.SplittableRandom;

/**
 * A deterministic, learnable stand-in for CIFAR-10 that needs no network: each class has its own
 * stripe orientation and frequency and a faint colour cast; each image jitters them and adds a
 * random phase and contrast, a distractor pattern and strong noise, so the network needs a few
 * epochs, as on real images; and a quarter of the labels are random, so accuracy plateaus below
 * 0.8 (the notebook reaches 0.77 on CIFAR-10) instead of reaching 1.
 * The same seed gives the same bytes on every machine.
 */
public final class SyntheticCifar10 {
    public static final int DEFAULT_TRAIN = 50_000, DEFAULT_TEST = 10_000;
    static final double LABEL_NOISE = 0.25;

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
            // one image in four carries a random label, as real datasets carry ambiguous images: accuracy tops out near 0.78
            labels[i] = (byte) (random.nextDouble() < LABEL_NOISE ? random.nextInt(Cifar10.CLASSES) : k);
            // the class's stripes, jittered in angle and frequency, over a faint colour cast, a distractor
            // pattern of another class, and strong pixel noise: learnable, but not in one epoch
            double angle = Math.PI * k / Cifar10.CLASSES + (random.nextDouble() - 0.5) * Math.PI / 12;
            double frequency = 2 * Math.PI * (2 + k % 4 + (random.nextDouble() - 0.5) * 0.6) / 32.0;
            double fx = Math.cos(angle) * frequency, fy = Math.sin(angle) * frequency;
            int other = random.nextInt(Cifar10.CLASSES);
            double dAngle = Math.PI * other / Cifar10.CLASSES, dFrequency = 2 * Math.PI * (2 + other % 4) / 32.0;
            double dx = Math.cos(dAngle) * dFrequency, dy = Math.sin(dAngle) * dFrequency;
            double phase = random.nextDouble() * 2 * Math.PI, dPhase = random.nextDouble() * 2 * Math.PI;
            double contrast = 6 + random.nextDouble() * 14, distractor = random.nextDouble() * 16;
            int base = i * LabeledImages.IMAGE_BYTES;
            for (int c = 0; c < 3; c++) {
                double cast = 10 * Math.sin(2 * Math.PI * (k + 3 * c) / Cifar10.CLASSES);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        double v = 128 + cast + contrast * Math.sin(fx * x + fy * y + phase)
                                + distractor * Math.sin(dx * x + dy * y + dPhase) + 120 * (random.nextDouble() - 0.5);
                        pixels[base + c * LabeledImages.CHANNEL_BYTES + y * 32 + x] = (byte) Math.max(0, Math.min(255, (int) v));
                    }
                }
            }
        }
        return new LabeledImages(pixels, labels);
    }
}
