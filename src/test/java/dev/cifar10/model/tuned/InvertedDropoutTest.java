package dev.cifar10.model.tuned;

import dev.cifar10.backend.HostArrays;
import dev.cifar10.model.NotebookCnn;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class InvertedDropoutTest {
    private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** The mask input * mask applied: kept elements divided by p (exactly the float 1/p), the rest 0. */
    private static INDArray maskOf(INDArray input, INDArray output) {
        return output.div(input);
    }

    /** On the host (the Java mask) and on the device branch (DL4J's dropout, what CUDA runs, forced on the CPU). */
    @ParameterizedTest(name = "device branch: {0}")
    @ValueSource(booleans = {false, true})
    void keepsEachActivationWithProbabilityPAndScalesItBy1OverP(boolean deviceBranch) {
        boolean previous = HostArrays.forceDeviceBranches(deviceBranch);
        try {
            assertEquals(!deviceBranch, HostArrays.onHost(), "the branch this case runs");
            for (double p : new double[]{0.8, 0.5, 0.1}) {
                Nd4j.getRandom().setSeed(42);
                INDArray input = Nd4j.rand(DataType.FLOAT, 32, 16, 16, 32).addi(0.5);   // no zeros: the mask is output / input
                INDArray output = input.ulike();
                new InvertedDropout(p).applyDropout(input, output, 0, 0, NO_WORKSPACES);
                INDArray mask = maskOf(input, output);
                INDArray kept = mask.gt(0);
                double keptFraction = kept.castTo(DataType.DOUBLE).meanNumber().doubleValue();
                double sd = Math.sqrt(p * (1 - p) / mask.length());
                assertEquals(p, keptFraction, 5 * sd, "fraction kept at p = " + p);
                float scale = (float) (1.0 / p);
                INDArray expected = kept.castTo(DataType.FLOAT).muli(scale);
                assertTrue(expected.equalsWithEps(mask, 1e-5), "kept elements are input / p, dropped ones 0, at p = " + p);
            }
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
    }

    @Test
    void theMaskIsSplittableRandomsDrawsSplitInTwoSeededFromNd4jsGenerator() {
        // what the class documents, computed independently: element 2j uses the top 24 bits of the j-th draw, 2j+1 the next 24
        double p = 0.8;
        Nd4j.getRandom().setSeed(99);
        long seed = Nd4j.getRandom().nextLong();
        SplittableRandom draws = new SplittableRandom(seed);
        float[] expected = new float[1001];
        for (int i = 0; i < expected.length; i += 2) {
            long r = draws.nextLong();
            expected[i] = (r >>> 40) / (double) (1 << 24) < p ? (float) (1 / p) : 0f;
            if (i + 1 < expected.length) expected[i + 1] = ((r >>> 8) & 0xFFFFFF) / (double) (1 << 24) < p ? (float) (1 / p) : 0f;
        }
        Nd4j.getRandom().setSeed(99);
        INDArray input = Nd4j.ones(DataType.FLOAT, expected.length);
        INDArray output = input.ulike();
        new InvertedDropout(p).applyDropout(input, output, 0, 0, NO_WORKSPACES);
        assertArrayEquals(expected, output.toFloatVector());
    }

    @Test
    void aCloneIsAnInvertedDropoutWithTheSameP() {
        // DL4J clones a layer's dropout with its configuration (network clones, ParallelWrapper's replicas)
        InvertedDropout clone = new InvertedDropout(0.8).clone();
        assertInstanceOf(InvertedDropout.class, clone);
        assertEquals(0.8, clone.getP(), 0);
    }

    @Test
    void aDrawIsKeptExactlyWhenItsUniformIsBelowP() {
        assertEquals(13_421_773, InvertedDropout.keepBelow(0.8));   // 0.8 * 2^24 = 13,421,772.8: k = 13,421,772 is kept (u < 0.8)
        assertEquals(1 << 23, InvertedDropout.keepBelow(0.5));       // k = 2^23 is u = 0.5, not below 0.5
        assertEquals(1 << 24, InvertedDropout.keepBelow(1.0));       // everything kept
    }

    @Test
    void neighbouringElementsAreIndependent() {
        // each 64-bit draw serves two elements; a shared bit would make them agree far more often than p^2 + (1-p)^2
        Nd4j.getRandom().setSeed(7);
        double p = 0.5;
        INDArray input = Nd4j.ones(DataType.FLOAT, 1 << 18);
        INDArray output = input.ulike();
        new InvertedDropout(p).applyDropout(input, output, 0, 0, NO_WORKSPACES);
        float[] m = output.toFloatVector();
        int bothKept = 0;
        for (int i = 0; i + 1 < m.length; i += 2) if (m[i] > 0 && m[i + 1] > 0) bothKept++;
        double pairs = m.length / 2.0;
        assertEquals(p * p, bothKept / pairs, 5 * Math.sqrt(p * p * (1 - p * p) / pairs));
    }

    /** On the host (the Java mask) and on the device branch (DL4J's dropout, what CUDA runs, forced on the CPU). */
    @ParameterizedTest(name = "device branch: {0}")
    @ValueSource(booleans = {false, true})
    void backpropMultipliesByTheSameMaskAndTheSameSeedDropsTheSameActivations(boolean deviceBranch) {
        boolean previous = HostArrays.forceDeviceBranches(deviceBranch);
        try {
            assertEquals(!deviceBranch, HostArrays.onHost(), "the branch this case runs");
            INDArray input = Nd4j.rand(DataType.FLOAT, 4, 8, 8, 3).addi(0.5);
            INDArray output = input.ulike(), again = input.ulike();
            INDArray gradient = Nd4j.rand(DataType.FLOAT, 4, 8, 8, 3).addi(0.5);
            InvertedDropout dropout = new InvertedDropout(0.8);

            Nd4j.getRandom().setSeed(123);
            dropout.applyDropout(input, output, 0, 0, NO_WORKSPACES);
            INDArray gradientIn = dropout.backprop(gradient, gradient.ulike(), 0, 0);
            assertTrue(maskOf(gradient, gradientIn).equalsWithEps(maskOf(input, output), 1e-5), "backprop uses the forward pass's mask");

            Nd4j.getRandom().setSeed(123);
            new InvertedDropout(0.8).applyDropout(input, again, 0, 0, NO_WORKSPACES);
            assertEquals(output, again, "same seed, same mask");
            Nd4j.getRandom().setSeed(124);
            new InvertedDropout(0.8).applyDropout(input, again, 0, 0, NO_WORKSPACES);
            assertNotEquals(output, again, "another seed, another mask");
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
    }

    @Test
    void anOddLengthMasksItsLastElementToo() {
        INDArray input = Nd4j.ones(DataType.FLOAT, 1001);
        INDArray output = input.ulike().assign(-1);   // -1 marks an element the mask did not reach
        int lastKept = 0;
        for (int seed = 0; seed < 50; seed++) {
            Nd4j.getRandom().setSeed(seed);
            new InvertedDropout(0.5).applyDropout(input, output, 0, 0, NO_WORKSPACES);
            float last = output.getFloat(1000);
            assertTrue(last == 0f || last == 2f, "last element is masked: " + last);
            if (last > 0) lastKept++;
        }
        assertTrue(lastKept > 10 && lastKept < 40, "the last element is kept about half the time: " + lastKept + " of 50");
    }

    @Test
    void theNotebookModelUsesItAndItsConfigurationSurvivesJson() {
        MultiLayerConfiguration conf = NotebookCnn.configuration(NotebookCnn.Settings.notebook(777));
        int dropoutLayers = 0;
        for (var layerConf : conf.getConfs()) {
            if (layerConf.getLayer() instanceof DropoutLayer d) {
                assertInstanceOf(InvertedDropout.class, d.getIDropout());
                dropoutLayers++;
            }
        }
        assertEquals(3, dropoutLayers);
        MultiLayerConfiguration read = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, read);
        assertInstanceOf(InvertedDropout.class, ((DropoutLayer) read.getConf(3).getLayer()).getIDropout());
    }
}
