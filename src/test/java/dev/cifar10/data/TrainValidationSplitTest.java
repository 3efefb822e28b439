package dev.cifar10.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** Test vectors from numpy 1.x / scikit-learn: RandomState(777).permutation and train_test_split(test_size=0.3). */
class TrainValidationSplitTest {

    @Test
    void matchesScikitLearnOnTheFullTrainingSet() {
        TrainValidationSplit split = TrainValidationSplit.of(50_000, 0.3, 777);
        assertEquals(15_000, split.validation().length);
        assertEquals(35_000, split.train().length);
        assertArrayEquals(new int[]{17034, 16126, 47636, 29950, 33155, 34274, 10744, 37358},
                Arrays.copyOf(split.validation(), 8));
        assertArrayEquals(new int[]{23509, 47277, 42975, 25487, 8065}, Arrays.copyOf(split.train(), 5));
        int[] tail = Arrays.copyOfRange(split.train(), 35_000 - 3, 35_000);
        assertArrayEquals(new int[]{40535, 15931, 47919}, tail);
    }

    @Test
    void matchesScikitLearnOnTheSample() {
        TrainValidationSplit split = TrainValidationSplit.of(2034, 0.3, 777);
        assertEquals(611, split.validation().length);
        assertArrayEquals(new int[]{533, 136, 1890, 1242, 1093, 174, 1582, 479}, Arrays.copyOf(split.validation(), 8));
    }

    @Test
    void isAPartitionAndDeterministic() {
        TrainValidationSplit a = TrainValidationSplit.of(1000, 0.3, 5);
        TrainValidationSplit b = TrainValidationSplit.of(1000, 0.3, 5);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.validation(), b.validation());
        int[] all = IntStream.concat(Arrays.stream(a.train()), Arrays.stream(a.validation())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 1000).toArray(), all);
        assertFalse(Arrays.equals(a.validation(), TrainValidationSplit.of(1000, 0.3, 6).validation()));
    }

    @Test
    void mersenneTwisterMatchesTheReferenceOutput() {
        // init_genrand(5489), the reference implementation's default seed: first output 3499211612
        assertEquals(3499211612L, new NumpyRandomState(5489).nextInt32() & 0xFFFFFFFFL);
    }
}
