package dev.cifar10.model.tuned;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The network's first step: images arrive as CIFAR-10 stores them, channels first ([n, 3, 32, 32],
 * NCHW), and are copied once to channels last ([n, 32, 32, 3], NHWC), the layout every layer after
 * it computes in.
 *
 * <p>Why: oneDNN, which runs DL4J's convolutions and pooling on the CPU, computes in NHWC and
 * blocked layouts. With NCHW activations it converts every layer's input and output on every step,
 * which took about as long as the convolutions themselves (docs/where-the-time-goes.md). The copy
 * here moves one 3-channel batch, a few hundred kilobytes. Callers (the data pipeline, evaluation,
 * the Spark job, saved models of earlier versions) keep handing in NCHW.
 *
 * <p>Relies on (DL4J M2.1): only DL4J's public InputPreProcessor API; listed here because it has no stock equivalent.
 */
public class ChannelsLast extends BaseInputPreProcessor {

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        requireRank4(input);
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, input.permute(0, 2, 3, 1), 'c');
    }

    /**
     * The gradient with respect to the network's input, back in NCHW (DL4J discards it for the input layer); null
     * when the first layer did not compute it (the cuDNN convolution path skips it: nothing reads it).
     */
    @Override
    public INDArray backprop(INDArray epsilon, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        if (epsilon == null) return null;
        requireRank4(epsilon);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, epsilon.permute(0, 3, 1, 2));
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c) || c.getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("ChannelsLast expects NCHW image input, got " + inputType);
        }
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), CNN2DFormat.NHWC);
    }

    private static void requireRank4(INDArray a) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("ChannelsLast expects [minibatch, channels, height, width] images, got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelsLast;
    }

    @Override
    public int hashCode() {
        return ChannelsLast.class.hashCode();
    }
}
