package dev.cifar10.util;

import java.util.Arrays;

/** Summary statistics of timings, as benchmarks report them. */
public final class Stats {
    private Stats() {
    }

    /** The middle value, or the mean of the middle two; NaN for none. */
    public static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
