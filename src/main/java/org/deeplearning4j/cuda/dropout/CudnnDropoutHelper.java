package org.deeplearning4j.cuda.dropout;

import org.deeplearning4j.cuda.convolution.CudnnHelpers;
import org.deeplearning4j.nn.conf.dropout.DropoutHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * The dropout helper DL4J M2.1's {@code Dropout} looks up by this name on the CUDA backend. Nobody
 * ships one for M2.1, and the failed lookup logs a WARN and an ERROR with a stack trace on every
 * run. This one is not cuDNN's dropout: it runs exactly the ops of DL4J's built-in dropout
 * (libnd4j's {@code dropout_inverted} random op for the mask, then a multiply), so results and the
 * random stream are the same as without it, and it is kept once per layer instead of being looked
 * up again on every step.
 */
public class CudnnDropoutHelper implements DropoutHelper {
    private final DataType dataType;
    private INDArray mask; // 0 or 1/p per activation, from the last forward pass; reused while the shape stays

    public CudnnDropoutHelper(DataType dataType) {
        this.dataType = dataType;
    }

    /** The constructor DL4J M2.1 calls on CUDA: HelperUtils wraps its arguments in one more array. */
    public CudnnDropoutHelper(Object[] arguments) {
        this(CudnnHelpers.dataTypeOf(arguments));
    }

    @Override
    public boolean checkSupported() {
        return CudnnHelpers.enabled() && dataType.isFPType();
    }

    @Override
    public void applyDropout(INDArray inputActivations, INDArray resultArray, double dropoutInputRetainProb) {
        if (mask == null || mask.dataType() != resultArray.dataType() || !Arrays.equals(mask.shape(), resultArray.shape())) {
            // outside any workspace: the mask lives until backprop, across DL4J's workspace scopes
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                mask = Nd4j.createUninitialized(resultArray.dataType(), resultArray.shape(), resultArray.ordering());
            }
        }
        mask.assign(1.0);
        Nd4j.getExecutioner().exec(new DropOutInverted(mask, mask, dropoutInputRetainProb));
        INDArray input = inputActivations.dataType() == resultArray.dataType() ? inputActivations : inputActivations.castTo(resultArray.dataType());
        Nd4j.getExecutioner().exec(new MulOp(input, mask, resultArray));
    }

    @Override
    public void backprop(INDArray gradAtOutput, INDArray gradAtInput) {
        if (mask == null) throw new IllegalStateException("Dropout backprop without a forward pass");
        INDArray m = mask.dataType() == gradAtInput.dataType() ? mask : mask.castTo(gradAtInput.dataType());
        Nd4j.getExecutioner().exec(new MulOp(gradAtOutput, m, gradAtInput));
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of("dropoutMask", mask == null ? 0L : mask.length() * mask.dataType().width());
    }
}
