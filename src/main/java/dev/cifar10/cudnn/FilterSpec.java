package dev.cifar10.cudnn;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What a cuDNN filter descriptor says ({@code cudnnSetFilter4dDescriptor}): K output channels, C input channels,
 * an H x W kernel, packed in {@code format} (NCHW = KCRS, DL4J's weight layout [out, in, kH, kW]).
 */
public record FilterSpec(DataType dataType, CNN2DFormat format, int k, int c, int h, int w) {
    @Override
    public String toString() {
        return "[" + k + ", " + c + ", " + h + ", " + w + "] " + (format == CNN2DFormat.NCHW ? "KCRS" : "KRSC");
    }
}
