package dev.cifar10.model.tuned;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** The network's NCHW to NHWC step: a contiguous copy forward, the permutation back in backprop, NCHW images only. */
class ChannelsLastTest {
    private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** 0, 1, 2, ... in C order: every element tells where it came from. */
    private static INDArray sequence(long... shape) {
        return Nd4j.arange(Shape.lengthOf(shape)).castTo(DataType.FLOAT).reshape('c', shape);
    }

    @Test
    void preProcessCopiesNchwToContiguousNhwc() {
        // distinct sizes, so a wrong permutation cannot produce the right shape
        INDArray nchw = sequence(2, 3, 4, 5);
        INDArray nhwc = new ChannelsLast().preProcess(nchw, 2, NO_WORKSPACES);

        assertArrayEquals(new long[]{2, 4, 5, 3}, nhwc.shape());
        assertEquals('c', nhwc.ordering());
        assertTrue(Shape.hasDefaultStridesForShape(nhwc), "C-contiguous, not a permuted view: " + nhwc.shapeInfoToString());
        assertFalse(nhwc.isView());
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 5; w++)
                        assertEquals(nchw.getFloat(n, c, h, w), nhwc.getFloat(n, h, w, c), "[" + n + "," + h + "," + w + "," + c + "]");
        // a copy: the caller's batch stays as it was when the copy changes
        nhwc.assign(-1);
        assertEquals(1.0f, nchw.getFloat(0, 0, 0, 1));
    }

    @Test
    void preProcessAcceptsAPermutedView() {
        INDArray stored = sequence(2, 4, 5, 3);
        INDArray nchwView = stored.permute(0, 3, 1, 2);
        INDArray nhwc = new ChannelsLast().preProcess(nchwView, 2, NO_WORKSPACES);
        assertTrue(Shape.hasDefaultStridesForShape(nhwc));
        assertEquals(stored, nhwc);
    }

    @Test
    void backpropPermutesTheGradientBackToNchw() {
        INDArray epsNhwc = sequence(2, 4, 5, 3);
        INDArray epsNchw = new ChannelsLast().backprop(epsNhwc, 2, NO_WORKSPACES);

        assertArrayEquals(new long[]{2, 3, 4, 5}, epsNchw.shape());
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 5; w++)
                        assertEquals(epsNhwc.getFloat(n, h, w, c), epsNchw.getFloat(n, c, h, w));

        INDArray input = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5);
        ChannelsLast step = new ChannelsLast();
        assertEquals(input, step.backprop(step.preProcess(input, 2, NO_WORKSPACES), 2, NO_WORKSPACES), "backprop undoes preProcess");
    }

    @Test
    void outputTypeIsTheSameImageInNhwc() {
        InputType out = new ChannelsLast().getOutputType(InputType.convolutional(32, 24, 3));
        assertEquals(InputType.convolutional(32, 24, 3, CNN2DFormat.NHWC), out);
        var conv = (InputType.InputTypeConvolutional) out;
        assertEquals(32, conv.getHeight());
        assertEquals(24, conv.getWidth());
        assertEquals(3, conv.getChannels());
        assertEquals(CNN2DFormat.NHWC, conv.getFormat());
    }

    @Test
    void refusesInputTypesOtherThanNchwImages() {
        ChannelsLast step = new ChannelsLast();
        var nhwc = assertThrows(InvalidInputTypeException.class,
                () -> step.getOutputType(InputType.convolutional(32, 32, 3, CNN2DFormat.NHWC)));
        assertTrue(nhwc.getMessage().contains("ChannelsLast expects NCHW image input"), nhwc.getMessage());
        assertThrows(InvalidInputTypeException.class, () -> step.getOutputType(InputType.feedForward(3072)));
        assertThrows(InvalidInputTypeException.class, () -> step.getOutputType(InputType.convolutionalFlat(32, 32, 3)));
        assertThrows(InvalidInputTypeException.class, () -> step.getOutputType(InputType.recurrent(3, 10)));
    }

    @Test
    void refusesArraysThatAreNotRank4WithAClearMessage() {
        ChannelsLast step = new ChannelsLast();
        var flat = assertThrows(IllegalArgumentException.class,
                () -> step.preProcess(Nd4j.rand(DataType.FLOAT, 2, 3072), 2, NO_WORKSPACES));
        assertEquals("ChannelsLast expects [minibatch, channels, height, width] images, got shape [2, 3072]", flat.getMessage());
        var rank3 = assertThrows(IllegalArgumentException.class,
                () -> step.preProcess(Nd4j.rand(DataType.FLOAT, 3, 32, 32), 1, NO_WORKSPACES));
        assertTrue(rank3.getMessage().contains("got shape [3, 32, 32]"), rank3.getMessage());
        var eps = assertThrows(IllegalArgumentException.class,
                () -> step.backprop(Nd4j.rand(DataType.FLOAT, 2, 3072), 2, NO_WORKSPACES));
        assertTrue(eps.getMessage().contains("got shape [2, 3072]"), eps.getMessage());
    }

    @Test
    void equalityForConfigurationComparison() {
        assertEquals(new ChannelsLast(), new ChannelsLast());
        assertEquals(new ChannelsLast().hashCode(), new ChannelsLast().hashCode());
        assertEquals(new ChannelsLast(), new ChannelsLast().clone());
        assertEquals(ChannelsLast.class, new ChannelsLast().clone().getClass());
    }
}
