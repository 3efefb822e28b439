package dev.cifar10.data;

/**
 * numpy's legacy {@code RandomState(seed)}: the MT19937 generator seeded with {@code init_genrand},
 * and its {@code permutation(n)}. Enough of it to reproduce scikit-learn's
 * {@code train_test_split(..., random_state=seed)} bit for bit, so a Java run validates on the very
 * images the Keras notebook did.
 */
public final class NumpyRandomState {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int index;

    public NumpyRandomState(long seed) {
        mt[0] = (int) seed; // numpy keeps the low 32 bits of an integer seed
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    /** The next 32-bit output, as numpy's {@code rk_random}. */
    public int nextInt32() {
        if (index >= N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        index = 0;
    }

    /** A uniform integer in [0, max] by masked rejection, as numpy's legacy {@code random_interval}. */
    long interval(long max) {
        if (max == 0) return 0;
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        long value;
        while ((value = (nextInt32() & 0xFFFFFFFFL) & mask) > max) {
            // rejected: draw again
        }
        return value;
    }

    /** {@code RandomState.permutation(n)}: a Fisher-Yates shuffle of 0..n-1 from the top down. */
    public int[] permutation(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) interval(i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
