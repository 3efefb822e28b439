package dev.cifar10.data;

import java.util.Arrays;

/**
 * CIFAR images kept as the bytes they arrive in: {@code pixels} holds {@code size()} records of
 * 3,072 bytes each in CIFAR's own CHW order (1,024 red, 1,024 green, 1,024 blue), which is also
 * ND4J's NCHW order. Bytes are 4x smaller than floats; batches are normalised as they are made.
 */
public record LabeledImages(byte[] pixels, byte[] labels) {
    public static final int IMAGE_BYTES = 3072, CHANNEL_BYTES = 1024;
    /** The most images one Java byte array holds (699,050): the ceiling of every image-count setting. */
    public static final int MAX_IMAGES = Integer.MAX_VALUE / IMAGE_BYTES;

    public LabeledImages {
        if (pixels.length != (long) labels.length * IMAGE_BYTES) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes for " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }

    public int label(int i) {
        return labels[i];
    }

    public LabeledImages first(int n) {
        if (n >= size()) return this;
        return new LabeledImages(Arrays.copyOf(pixels, n * IMAGE_BYTES), Arrays.copyOf(labels, n));
    }

    public static LabeledImages concat(LabeledImages a, LabeledImages b) {
        byte[] pixels = Arrays.copyOf(a.pixels, a.pixels.length + b.pixels.length);
        System.arraycopy(b.pixels, 0, pixels, a.pixels.length, b.pixels.length);
        byte[] labels = Arrays.copyOf(a.labels, a.labels.length + b.labels.length);
        System.arraycopy(b.labels, 0, labels, a.labels.length, b.labels.length);
        return new LabeledImages(pixels, labels);
    }
}
