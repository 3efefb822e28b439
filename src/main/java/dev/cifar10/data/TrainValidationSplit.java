package dev.cifar10.data;

import java.util.Arrays;

/**
 * scikit-learn's {@code train_test_split(x, y, test_size=fraction, random_state=seed)} as indices:
 * validation takes the first ceil(fraction * n) entries of numpy's permutation, training the rest,
 * in that order.
 */
public record TrainValidationSplit(int[] train, int[] validation) {

    public static TrainValidationSplit of(int n, double validationFraction, long seed) {
        int[] permutation = new NumpyRandomState(seed).permutation(n);
        int nValidation = (int) Math.ceil(validationFraction * n);
        return new TrainValidationSplit(Arrays.copyOfRange(permutation, nValidation, n),
                Arrays.copyOfRange(permutation, 0, nValidation));
    }
}
