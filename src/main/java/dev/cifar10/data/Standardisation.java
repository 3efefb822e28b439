package dev.cifar10.data;

import java.io.Serializable;

/**
 * Per-channel mean and population standard deviation (numpy's default, ddof=0) over every pixel of
 * the training records, as the notebook computes them before its train/validation split.
 * Applied per batch: {@code (x - mean[c]) / std[c]}.
 */
public record Standardisation(double[] mean, double[] std) implements Serializable {

    public static Standardisation fit(LabeledImages images) {
        Sums sums = new Sums();
        for (int i = 0; i < images.size(); i++) sums.add(images.pixels(), i * LabeledImages.IMAGE_BYTES);
        return sums.standardisation();
    }

    /**
     * Exact per-channel sums of the pixels and of their squares, image by image; sums of parts merge
     * (the Spark job adds them up across partitions).
     */
    public static final class Sums implements Serializable {
        private final long[] sum = new long[3], sumSquares = new long[3];
        private long images;

        /** Adds the image whose 3,072 CHW pixel bytes start at {@code offset}. */
        public Sums add(byte[] pixels, int offset) {
            for (int c = 0; c < 3; c++) {
                long s = 0, s2 = 0;
                int from = offset + c * LabeledImages.CHANNEL_BYTES;
                for (int k = from; k < from + LabeledImages.CHANNEL_BYTES; k++) {
                    int v = pixels[k] & 0xFF;
                    s += v;
                    s2 += v * v;
                }
                sum[c] += s;
                sumSquares[c] += s2;
            }
            images++;
            return this;
        }

        public Sums merge(Sums other) {
            for (int c = 0; c < 3; c++) {
                sum[c] += other.sum[c];
                sumSquares[c] += other.sumSquares[c];
            }
            images += other.images;
            return this;
        }

        public Standardisation standardisation() {
            double count = (double) images * LabeledImages.CHANNEL_BYTES;
            double[] mean = new double[3];
            double[] std = new double[3];
            for (int c = 0; c < 3; c++) {
                mean[c] = sum[c] / count;
                // exact integer sums, so E[x^2] - E[x]^2 loses nothing worth mentioning at 8-bit inputs
                std[c] = Math.sqrt(Math.max(0, sumSquares[c] / count - mean[c] * mean[c]));
                if (std[c] == 0) std[c] = 1; // a constant channel: leave it centred, do not divide by zero
            }
            return new Standardisation(mean, std);
        }
    }

    /** Writes image {@code index} of {@code images}, standardised, into {@code out} at {@code offset}. */
    public void apply(LabeledImages images, int index, float[] out, int offset) {
        byte[] px = images.pixels();
        int base = index * LabeledImages.IMAGE_BYTES;
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float inv = (float) (1.0 / std[c]);
            int from = base + c * LabeledImages.CHANNEL_BYTES;
            int to = offset + c * LabeledImages.CHANNEL_BYTES;
            for (int k = 0; k < LabeledImages.CHANNEL_BYTES; k++) {
                out[to + k] = ((px[from + k] & 0xFF) - m) * inv;
            }
        }
    }
}
