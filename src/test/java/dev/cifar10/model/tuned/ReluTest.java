package dev.cifar10.model.tuned;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Relu}'s backward pass is DL4J's ReLU backward, value for value, in every layout DL4J hands it: the fast
 * path (in place, in memory order) where z and dL/da are one block laid out alike, DL4J's own code otherwise.
 */
class ReluTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** z with exact zeros (both signs), positives and negatives; dL/da of both signs, so -0.0 products occur. */
    private static INDArray preActivation(long... shape) {
        INDArray z = Nd4j.randn(DataType.FLOAT, shape);
        float[] v = z.data().asFloat();
        for (int i = 0; i < v.length; i += 3) v[i] = (i % 2 == 0) ? 0.0f : -0.0f;
        return Nd4j.create(v, shape, 'c');
    }

    @Test
    void cOrderArrayIsComputedInPlaceAndMatchesDl4j() {
        Nd4j.getRandom().setSeed(1);
        assertInPlaceAndLikeDl4j(preActivation(4, 8, 5, 5), Nd4j.randn(DataType.FLOAT, 4, 8, 5, 5), "C order");
    }

    @Test
    void nchwViewsOfNhwcArraysAsTheConvolutionLayerPassesThem() {
        Nd4j.getRandom().setSeed(2);
        INDArray nhwc = preActivation(4, 5, 5, 8);
        INDArray epsNhwc = Nd4j.randn(DataType.FLOAT, 4, 5, 5, 8);

        // DL4J's ConvolutionLayer.backpropGradient in NHWC: z.permute(0,3,1,2), epsilon.permute(0,3,1,2)
        INDArray expected = new ActivationReLU().backprop(nhwc.dup('c').permute(0, 3, 1, 2), epsNhwc.dup('c').permute(0, 3, 1, 2)).getFirst();
        INDArray zOwn = nhwc.dup('c').permute(0, 3, 1, 2);
        INDArray actual = new Relu().backprop(zOwn, epsNhwc.dup('c').permute(0, 3, 1, 2)).getFirst();

        assertArrayEquals(new int[]{0, 2, 3, 1}, Relu.memoryOrder(zOwn), "axes from the largest stride to the smallest");
        assertSame(zOwn, actual, "fast path for a permuted but contiguous z");
        assertArrayEquals(new long[]{4, 8, 5, 5}, actual.shape());
        assertSameValues(expected, actual, "NCHW view of NHWC");
        assertZeroWhereZIsZero(nhwc.permute(0, 3, 1, 2), actual);
    }

    @Test
    void nonContiguousViewFallsBackToDl4j() {
        Nd4j.getRandom().setSeed(3);
        INDArray parent = preActivation(4, 8, 5, 5);
        INDArray z = parent.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 8), NDArrayIndex.all(), NDArrayIndex.all()); // every other channel
        INDArray eps = Nd4j.randn(DataType.FLOAT, 4, 4, 5, 5);
        assertNull(Relu.memoryOrder(z), "a strided view is not one block");

        INDArray expected = new ActivationReLU().backprop(z.dup('c'), eps.dup('c')).getFirst();
        INDArray zBefore = z.dup('c');
        INDArray othersBefore = parent.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2, 8), NDArrayIndex.all(), NDArrayIndex.all()).dup('c');
        long[] stride = z.stride().clone();
        INDArray actual = new Relu().backprop(z, eps).getFirst();

        assertSame(z, actual, "fallback: DL4J's values, written into z (its layout: DL4J's own NCHW array breaks oneDNN's backprop)");
        assertArrayEquals(stride, actual.stride());
        assertSameValues(expected, actual, "strided view");
        assertSameValues(othersBefore, parent.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2, 8), NDArrayIndex.all(), NDArrayIndex.all()),
                "the parent's channels outside z are left alone");
        assertZeroWhereZIsZero(zBefore, actual);
    }

    @Test
    void transposedSubViewFallsBackToDl4j() {
        Nd4j.getRandom().setSeed(4);
        INDArray parent = preActivation(12, 10);
        INDArray z = parent.get(NDArrayIndex.interval(1, 9), NDArrayIndex.interval(2, 8)).transpose(); // [6, 8], neither C nor F block
        INDArray eps = Nd4j.randn(DataType.FLOAT, 6, 8);
        assertNull(Relu.memoryOrder(z));

        INDArray expected = new ActivationReLU().backprop(z.dup('c'), eps.dup('c')).getFirst();
        INDArray firstRowBefore = parent.getRow(0).dup();
        INDArray actual = new Relu().backprop(z, eps).getFirst();

        assertSame(z, actual, "fallback: DL4J's values, written into z");
        assertSameValues(firstRowBefore, parent.getRow(0), "the parent outside z is left alone");
        assertSameValues(expected, actual, "transposed sub-view");
    }

    @Test
    void epsilonLaidOutUnlikeZFallsBackToDl4j() {
        Nd4j.getRandom().setSeed(5);
        INDArray z = preActivation(4, 8, 5, 5);                                        // C order NCHW
        INDArray eps = Nd4j.randn(DataType.FLOAT, 4, 5, 5, 8).permute(0, 3, 1, 2);    // NCHW view of NHWC: other strides
        assertNotNull(Relu.memoryOrder(z));
        assertFalse(Arrays.equals(z.stride(), eps.stride()));

        INDArray expected = new ActivationReLU().backprop(z.dup('c'), eps.dup('c')).getFirst();
        INDArray zBefore = z.dup('c');
        INDArray actual = new Relu().backprop(z, eps).getFirst();

        assertSame(z, actual, "fallback: DL4J's values, written into z, in z's layout");
        assertTrue(actual.ordering() == 'c' && Arrays.equals(actual.stride(), zBefore.stride()), "z's C-order layout kept");
        assertSameValues(expected, actual, "eps with other strides");
        assertZeroWhereZIsZero(zBefore, actual);
    }

    @Test
    void denseLayerShapeMatchesDl4j() {
        Nd4j.getRandom().setSeed(6);
        assertInPlaceAndLikeDl4j(preActivation(32, 256), Nd4j.randn(DataType.FLOAT, 32, 256), "rank 2");
    }

    /** Relu's backprop on C-order copies of z and eps: DL4J's values, 0 where z is 0, written over z (the fast path). */
    private static void assertInPlaceAndLikeDl4j(INDArray z, INDArray eps, String what) {
        INDArray expected = new ActivationReLU().backprop(z.dup('c'), eps.dup('c')).getFirst();
        INDArray zOwn = z.dup('c');
        INDArray actual = new Relu().backprop(zOwn, eps.dup('c')).getFirst();
        assertSame(zOwn, actual, what + ": fast path, dL/dz written over z");
        assertSameValues(expected, actual, what);
        assertZeroWhereZIsZero(z, actual);
    }

    @Test
    void forwardIsDl4jsRelu() {
        Nd4j.getRandom().setSeed(7);
        INDArray z = preActivation(4, 8, 5, 5);
        INDArray expected = new ActivationReLU().getActivation(z.dup('c'), true);
        INDArray actual = new Relu().getActivation(z.dup('c'), true);
        assertSameValues(expected, actual, "forward");
        assertEquals(0.0, actual.minNumber().doubleValue());
        assertEquals("relu", new Relu().toString());
    }

    /** The training forward pass's form: max(0, z) into another array, z left as it was (the layer keeps it for backprop). */
    @Test
    void activateIntoAnotherArrayIsDl4jsReluAndLeavesZAlone() {
        Nd4j.getRandom().setSeed(8);
        INDArray z = preActivation(4, 8, 5, 5).permute(0, 2, 3, 1).dup('c');   // NHWC, as Conv2DLayer's z
        INDArray zBefore = z.dup();
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, z.shape());
        INDArray returned = new Relu().activate(z, out);
        assertSame(out, returned);
        assertSameValues(new ActivationReLU().getActivation(z.dup('c'), true), out, "activate(z, out)");
        assertSameValues(zBefore, z, "z after activate(z, out)");
    }

    @Test
    void survivesANetworkConfigurationJsonRoundTrip() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .list()
                .layer(new Conv2D(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(new Relu())))
                .layer(new DenseLayer.Builder().nOut(8).activation(new Relu()).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3))
                .build();
        String json = conf.toJson();
        assertTrue(json.contains(Relu.class.getName()), "the JSON names the class");

        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(json);
        for (int i = 0; i < 2; i++) {
            var activation = ((BaseLayer) restored.getConf(i).getLayer()).getActivationFn();
            assertEquals(Relu.class, activation.getClass(), "layer " + i);
        }
        assertEquals(conf, restored);
    }

    /** Equal float by float (== treats -0.0 and 0.0 as equal, as a tolerance of 0 would), in the arrays' logical order. */
    static void assertSameValues(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.dup('c').data().asFloat(), a = actual.dup('c').data().asFloat();
        for (int i = 0; i < e.length; i++) {
            if (!(e[i] == a[i])) fail(what + ": element " + i + " (C order) is " + a[i] + ", expected " + e[i]);
        }
    }

    private static void assertZeroWhereZIsZero(INDArray z, INDArray dLdz) {
        float[] zs = z.dup('c').data().asFloat(), g = dLdz.dup('c').data().asFloat();
        int zeros = 0;
        for (int i = 0; i < zs.length; i++) {
            if (zs[i] == 0.0f) {
                zeros++;
                assertEquals(0.0f, Math.abs(g[i]), "gradient at z = 0, element " + i);
            }
        }
        assertTrue(zeros > 0, "the input has exact zeros");
    }
}
