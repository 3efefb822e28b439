package dev.cifar10.data;

/**
 * Per-channel mean and population standard deviation (numpy's default, ddof=0) over every pixel of
 * the training records, as the notebook computes them before its train/validation split.
 * Applied per batch: {@code (x - mean[c]) / std[c]}.
 */
public record Standardisation(double[] mean, double[] std) implements java.io.Serializable {

    public static Standardisation fit(LabeledImages images) {
        int channels = 3;
        long[] sum = new long[channels];
        long[] sumSquares = new long[channels];
        byte[] px = images.pixels();
        for (int i = 0; i < images.size(); i++) {
            int base = i * LabeledImages.IMAGE_BYTES;
            for (int c = 0; c < channels; c++) {
                long s = 0, s2 = 0;
                int from = base + c * LabeledImages.CHANNEL_BYTES;
                for (int k = from; k < from + LabeledImages.CHANNEL_BYTES; k++) {
                    int v = px[k] & 0xFF;
                    s += v;
                    s2 += v * v;
                }
                sum[c] += s;
                sumSquares[c] += s2;
            }
        }
        double count = (double) images.size() * LabeledImages.CHANNEL_BYTES;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / count;
            // exact integer sums, so E[x^2] - E[x]^2 loses nothing worth mentioning at 8-bit inputs
            std[c] = Math.sqrt(Math.max(0, sumSquares[c] / count - mean[c] * mean[c]));
            if (std[c] == 0) std[c] = 1; // a constant channel: leave it centred, do not divide by zero
        }
        return new Standardisation(mean, std);
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
