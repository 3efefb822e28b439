package org.deeplearning4j.cuda.convolution;

import dev.cifar10.cudnn.ConvolutionPath;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** The switches the helper classes read, and what they share. */
public final class CudnnHelpers {
    /** Set to "false" to keep DL4J's built-in convolution and pooling (for comparisons): the same as path built-in. */
    public static final String ENABLED_PROPERTY = "cifar10.cudnn.helpers";
    /** Which code computes convolution and pooling on CUDA: cudnn, libnd4j (the default) or built-in; see {@link ConvolutionPath}. */
    public static final String PATH_PROPERTY = ConvolutionPath.PROPERTY;

    private CudnnHelpers() {
    }

    public static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"));
    }

    /**
     * The convolution path the properties select: built-in when {@value #ENABLED_PROPERTY} is false, else
     * {@value #PATH_PROPERTY}, libnd4j when unset. An unknown path is an error that names the accepted ones.
     */
    public static ConvolutionPath path() {
        if (!enabled()) return ConvolutionPath.BUILT_IN;
        String value = System.getProperty(PATH_PROPERTY);
        return value == null || value.isBlank() ? ConvolutionPath.LIBND4J : ConvolutionPath.parse(value);
    }

    /** DL4J passes {@code new Object[]{args}} to CUDA helpers' constructors; the data type is its first element. */
    public static DataType dataTypeOf(Object[] arguments) {
        for (Object o : arguments) {
            if (o instanceof DataType t) return t;
            if (o instanceof Object[] nested) return dataTypeOf(nested);
        }
        return DataType.FLOAT;
    }

    /**
     * The exception DL4J's layers see when a path fails: always with a message (DL4J M2.1's convolution backprop
     * reads it without a null check) that names what failed and the input, the cause kept. ND4J's own out-of-memory
     * errors pass unchanged: DL4J rethrows those instead of falling back.
     */
    public static RuntimeException failure(String what, INDArray input, RuntimeException e) {
        String message = e.getMessage();
        if (message != null && message.contains("Failed to allocate")) return e;
        return new IllegalStateException(what + " failed for input " + Arrays.toString(input.shape()) + " " + input.dataType() + ": "
                + (message != null ? message : e.toString()), e);
    }
}
