package dev.cifar10.train;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.HostArrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.cifar10.backend.Backends;
import dev.cifar10.model.tuned.SoftmaxOutputLayer;
import dev.cifar10.model.tuned.SoftmaxOutputLayerTest;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class EpochProgressTest {

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** Counted on the host (CPU) and on the device (what CUDA runs, forced on the CPU): the same 0.5. */
    @ParameterizedTest(name = "device branch: {0}")
    @ValueSource(booleans = {false, true})
    void trainingAccuracyIsThatOfEachStepsPredictionsWithEitherOutputLayer(boolean deviceBranch) {
        boolean previous = HostArrays.forceDeviceBranches(deviceBranch);
        try {
            assertEquals(!deviceBranch, HostArrays.onHost(), "the branch this case runs");
            accuracyOfEachStepsPredictions();
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
    }

    private static void accuracyOfEachStepsPredictions() {
        for (boolean project : new boolean[]{true, false}) {
            MultiLayerNetwork net = SoftmaxOutputLayerTest.net(project);
            assertEquals(project, net.getOutputLayer() instanceof SoftmaxOutputLayer);
            Nd4j.getRandom().setSeed(11);   // biases far from 0, so logits without them would predict other classes
            net.getOutputLayer().getParam("b").assign(Nd4j.randn(DataType.FLOAT, 1, 10).muli(3));
            EpochProgress progress = new EpochProgress(4, "");
            net.addListeners(progress);
            progress.begin(1, 1);
            for (int step = 0; step < 4; step++) {
                // labels made from the network's own predictions before the step: wrong on every fourth row, right on the others
                // (lopsided, so counting the wrong rows instead of the right ones gives 0.25, not the same 0.5)
                DataSet b = SoftmaxOutputLayerTest.batch(step);
                INDArray predicted = net.output(b.getFeatures(), false).argMax(1);
                INDArray labels = Nd4j.zeros(b.getLabels().dataType(), b.getLabels().shape());
                for (int i = 0; i < labels.rows(); i++) {
                    labels.putScalar(i, (predicted.getInt(i) + (i % 4 == 3 ? 1 : 0)) % 10, 1f);
                }
                net.fit(new DataSet(b.getFeatures(), labels));
            }
            progress.end();
            assertEquals(0.75, progress.accuracy(), 0.0, project ? "kept logits" : "DL4J's output layer: logits computed again");
            assertEquals(4 * 32, progress.imagesSeen());
        }
    }

    @Test
    void aTieGoesToTheFirstClassAsArgMax() {
        float[] logits = {1, 3, 3, /**/ 2, 0, 0, /**/ 0, 0, 1};
        float[] labels = {0, 1, 0, /**/ 1, 0, 0, /**/ 0, 1, 0};
        assertEquals(2, EpochProgress.correct(logits, labels, 3));   // the tie in row 0 counts as class 1, as ND4J's argMax
    }

    @Test
    void flatGivesRowMajorValuesOfViewsAndColumnMajorArraysToo() {
        float[] expected = {1, 2, 3, 4, 5, 6};
        INDArray rowMajor = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(expected, EpochProgress.flat(rowMajor));
        assertArrayEquals(expected, EpochProgress.flat(rowMajor.dup('f')), "column-major");
        INDArray wider = Nd4j.createFromArray(new float[][]{{1, 2, 3, 0}, {4, 5, 6, 0}});
        assertArrayEquals(expected, EpochProgress.flat(wider.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3))), "a view");
    }
}
