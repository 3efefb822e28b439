package dev.cifar10.train;

import dev.cifar10.SampleData;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.data.Cifar10Binary;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.Standardisation;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class EpochRunnerTest {
    private static LabeledImages images;
    private static Standardisation standardisation;

    @BeforeAll
    static void data() {
        Backends.initialise(BackendOptions.defaults());
        images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
        standardisation = Standardisation.fit(images);
    }

    /** Validation batches that count the passes made over them. */
    private static final class CountedValidation extends CifarBatches {
        final List<Integer> passes = new ArrayList<>();

        CountedValidation() {
            super(images, IntStream.range(200, 240).toArray(), standardisation, 20, false, 0, DataType.FLOAT);
        }

        @Override
        public void startEpoch(int epoch) {
            passes.add(epoch);
            super.startEpoch(epoch);
        }
    }

    @Test
    void warmUpRunsItsStepsAsEpochsOfAtMostATimedEpochEachFollowedByValidation() {
        CifarBatches timed = new CifarBatches(images, IntStream.range(0, 200).toArray(), standardisation, 10, true, 1, DataType.FLOAT)
                .capped(3);   // a timed epoch of 3 steps
        CountedValidation validation = new CountedValidation();
        MultiLayerNetwork net = SmallNetwork.build();
        EpochRunner runner = new EpochRunner(net, timed, validation, 1, "test ", 1, 1, 1);

        runner.warmUp(7);
        assertEquals(7, net.getIterationCount(), "training steps");
        assertEquals(3, net.getEpochCount(), "passes through DL4J's fit loop: 3 + 3 + 1 steps");
        assertEquals(3, validation.passes.size(), "a validation pass after each");

        runner.warmUp(0);
        assertEquals(7, net.getIterationCount(), "no warm-up asked, none run");
        assertEquals(3, validation.passes.size());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)   // without the check it would never return
    void warmUpWithoutTrainingImagesFailsInsteadOfLoopingForever() {
        CifarBatches none = new CifarBatches(images, new int[0], standardisation, 10, true, 1, DataType.FLOAT);
        EpochRunner runner = new EpochRunner(SmallNetwork.build(), none, new CountedValidation(), 1, "test ", 1, 1, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.warmUp(5));
        assertTrue(e.getMessage().contains("no training images"), e.getMessage());
    }
}
