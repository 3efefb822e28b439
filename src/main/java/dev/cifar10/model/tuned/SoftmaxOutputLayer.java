package dev.cifar10.model.tuned;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's output layer (dense, softmax, cross-entropy), minus the second computation of its logits
 * z = h W + b on each training step.
 *
 * <p>Why: in a training step DL4J computes z in backprop for the gradient, then again for the score
 * (the loss), with the same input and the same, not yet updated, weights; and the training accuracy
 * shown on the progress bar needed a third copy. Here backprop keeps z, in the workspace that lives
 * until the step's listeners have run, and the score and {@link #trainingLogits()} use it. The
 * arithmetic is DL4J's, on the same numbers.
 *
 * <p>Relies on (DL4J M2.1): BaseOutputLayer computing z through preOutput2d in both backprop and the score, and MultiLayerNetwork calling clearNoiseWeightParams on the output layer when a step's gradient computation ends.
 */
public class SoftmaxOutputLayer extends OutputLayer {
    private INDArray keptLogits;   // z of the last training backprop
    private INDArray keptFor;      // the input it was computed from
    private boolean inBackprop;

    public SoftmaxOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        // a new input (a score, the next step) never reuses z: DL4J passes the same array object again when the
        // output layer is the first layer, and z may sit in a workspace that has closed since
        keptLogits = keptFor = null;
        super.setInput(input, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        keptLogits = keptFor = null;
        inBackprop = true;
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            inBackprop = false;
        }
    }

    @Override
    protected INDArray preOutput2d(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training && keptLogits != null && keptFor == input) {
            return keptLogits;
        }
        if (!training || !inBackprop) {
            return super.preOutput2d(training, workspaceMgr);
        }
        // backprop's working memory closes when this layer's backprop ends; the INPUT workspace (the step's
        // activations) stays open until the listeners have run, so z is kept there
        INDArray z = workspaceMgr.leverageTo(ArrayType.INPUT, super.preOutput2d(true, workspaceMgr));
        keptLogits = z;
        keptFor = input;
        return z;
    }

    /**
     * The logits of the training step under way, from the weights before its update, for its listeners'
     * {@code onBackwardPass}; read it only there. {@code fit} and {@code computeGradientAndScore} clear it
     * when the step's gradient computation ends; after {@code MultiLayerNetwork.calculateGradients} (no
     * score, no step end) it is left set, possibly in a closed workspace, until the next input is set.
     */
    public INDArray trainingLogits() {
        return keptLogits;
    }

    @Override
    public void clear() {
        keptLogits = keptFor = null;
        super.clear();
    }

    @Override
    public void clearNoiseWeightParams() {
        // DL4J calls this on the output layer when a step's gradient computation ends, after its listeners
        // and after the workspace holding z has closed
        keptLogits = keptFor = null;
        super.clearNoiseWeightParams();
    }
}
