package org.deeplearning4j.cuda.dropout;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.DropoutHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dropout helper against DL4J's built-in dropout, on the CPU (the same libnd4j ops run there;
 * DL4J only consults the helper on CUDA, so the test calls it directly): same seed, same mask,
 * same outputs and gradients, bit for bit.
 */
class CudnnDropoutHelperTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    /** What DL4J M2.1's HelperUtils does on CUDA (it wraps the arguments in one more array); a failure there is its ERROR line. */
    @Test
    void dl4jFindsAndBuildsItByName() {
        Object helper = DL4JClassLoading.createNewInstance(Dropout.CUDNN_DROPOUT_HELPER_CLASS_NAME, DropoutHelper.class,
                new Object[]{new Object[]{DataType.FLOAT}});
        assertInstanceOf(CudnnDropoutHelper.class, helper);
        assertTrue(((DropoutHelper) helper).checkSupported());
    }

    @Test
    void matchesDl4jsBuiltInDropoutExactly() {
        double retain = 0.8; // Keras's Dropout(0.2)
        INDArray input = Nd4j.rand(DataType.FLOAT, 32, 64, 8, 8).subi(0.5);
        INDArray gradient = Nd4j.rand(DataType.FLOAT, 32, 64, 8, 8);
        CudnnDropoutHelper helper = new CudnnDropoutHelper(new Object[]{new Object[]{DataType.FLOAT}});
        assertTrue(helper.checkSupported());
        for (int step = 0; step < 2; step++) { // the second step reuses the helper's mask buffer
            Dropout builtIn = new Dropout(retain);
            Nd4j.getRandom().setSeed(777 + step);
            INDArray builtInOut = builtIn.applyDropout(input, input.ulike(), 0, 0, LayerWorkspaceMgr.noWorkspaces()).dup();
            INDArray builtInGrad = builtIn.backprop(gradient, gradient.ulike(), 0, 0);

            Nd4j.getRandom().setSeed(777 + step);
            INDArray helperOut = input.ulike();
            helper.applyDropout(input, helperOut, retain);
            INDArray helperGrad = gradient.ulike();
            helper.backprop(gradient, helperGrad);

            assertEquals(builtInOut, helperOut, "forward, step " + step);
            assertEquals(builtInGrad, helperGrad, "backward, step " + step);
            double dropped = helperOut.eq(0).castTo(DataType.FLOAT).meanNumber().doubleValue();
            assertEquals(1 - retain, dropped, 0.02, "fraction dropped");
        }
    }
}
