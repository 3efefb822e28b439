package dev.cifar10.model;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves a network's parameters and updater state between two configurations of the same network that differ in
 * layer classes or layout (NCHW, NHWC).
 *
 * <p>Every parameter keeps its place and meaning, with one exception: the dense layer after the flattening of the
 * last pooling layer. Its weight row {@code i} belongs to the {@code i}-th flattened feature, and flattening lists
 * the features as the layout stores them: channel-major in NCHW ({@code c*H*W + h*W + w}), channel-minor in NHWC
 * ({@code (h*W + w)*C + c}). Those rows, and the same entries of the updater's state (Adam's moments), are
 * reordered; nothing else changes, so a conversion and its inverse give back the very same numbers.
 */
public final class Layouts {
    private Layouts() {
    }

    /** A new network of configuration {@code to}, holding {@code from}'s parameters and, where it has one, its updater state. */
    public static MultiLayerNetwork convert(MultiLayerNetwork from, MultiLayerConfiguration to) {
        MultiLayerNetwork target = new MultiLayerNetwork(to);
        target.init(from.params().dup(), false);   // DL4J checks the sizes
        int[] source = sourceIndex(from.getLayerWiseConfigurations(), to, target);
        if (source != null) target.setParams(reordered(from.params(), source, new int[][]{{0, source.length}}));
        Updater updater = from.getUpdater(false);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        if (state != null && state.length() > 0) {
            INDArray targetState = target.getUpdater(true).getStateViewArray();
            if (targetState.length() != state.length()) {
                throw new IllegalArgumentException("updater state of " + state.length() + " values cannot go to one of " + targetState.length());
            }
            targetState.assign(source == null ? state : reordered(state, source, stateSegments((BaseMultiLayerUpdater<?>) target.getUpdater(true))));
        }
        return target;
    }

    /**
     * For every parameter of {@code to}, the index of the parameter of {@code from} it takes; null when every
     * parameter stays where it is.
     */
    static int[] sourceIndex(MultiLayerConfiguration from, MultiLayerConfiguration to, MultiLayerNetwork target) {
        int[] source = null;
        for (int layer = 0; layer < to.getConfs().size(); layer++) {
            CNN2DFormat was = flatteningLayout(from.getInputPreProcess(layer)), becomes = flatteningLayout(to.getInputPreProcess(layer));
            if (was == becomes) continue;
            if (was == null || becomes == null) {
                throw new IllegalArgumentException("layer " + layer + " flattens images in one configuration and not in the other");
            }
            CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) to.getInputPreProcess(layer);
            if (source == null) {
                source = new int[(int) target.numParams()];
                for (int i = 0; i < source.length; i++) source[i] = i;
            }
            reorderRows(source, target, layer, (int) flatten.getInputHeight(), (int) flatten.getInputWidth(), (int) flatten.getNumChannels(), becomes);
        }
        return source;
    }

    private static CNN2DFormat flatteningLayout(InputPreProcessor p) {
        return p instanceof CnnToFeedForwardPreProcessor c ? c.getFormat() : null;
    }

    /** Points the rows of layer {@code layer}'s W (in {@code becomes}' order) at the same features' rows in the other layout. */
    private static void reorderRows(int[] source, MultiLayerNetwork target, int layer, int height, int width, int channels, CNN2DFormat becomes) {
        INDArray w = target.getLayer(layer).getParam("W");
        if (w.rank() != 2 || w.size(0) != (long) height * width * channels) {
            throw new IllegalArgumentException("layer " + layer + "'s W " + java.util.Arrays.toString(w.shape())
                    + " does not take " + height + "x" + width + "x" + channels + " features");
        }
        long base = w.offset() - target.params().offset();
        long rowStride = w.stride(0), columnStride = w.stride(1);
        for (int c = 0; c < channels; c++) {
            for (int h = 0; h < height; h++) {
                for (int x = 0; x < width; x++) {
                    long nchw = (long) c * height * width + (long) h * width + x;
                    long nhwc = ((long) h * width + x) * channels + c;
                    long row = becomes == CNN2DFormat.NCHW ? nchw : nhwc, fromRow = becomes == CNN2DFormat.NCHW ? nhwc : nchw;
                    for (long j = 0; j < w.size(1); j++) {
                        source[(int) (base + row * rowStride + j * columnStride)] = (int) (base + fromRow * rowStride + j * columnStride);
                    }
                }
            }
        }
    }

    /**
     * {@code values} with each segment {start, length} that holds a per-parameter vector for the parameters
     * {@code [first, first + length)} reordered by {@code source}: {@code {start, length, first}}, or {@code {0, N}} for the parameters themselves.
     */
    private static INDArray reordered(INDArray values, int[] source, int[][] segments) {
        double[] in = values.castTo(DataType.DOUBLE).toDoubleVector();
        double[] out = in.clone();
        for (int[] segment : segments) {
            int start = segment[0], length = segment[1], first = segment.length > 2 ? segment[2] : 0;
            for (int i = 0; i < length; i++) {
                int from = source[first + i] - first;
                if (from < 0 || from >= length) throw new IllegalStateException("a reordered row crosses an updater block");
                out[start + i] = in[start + from];
            }
        }
        return Nd4j.create(out, values.shape(), 'c').castTo(values.dataType());
    }

    /**
     * Where the updater's state holds per-parameter vectors: each block of DL4J's updater holds, for its parameters
     * {@code [start, end)}, one or more such vectors end to end (Adam: m, then v).
     */
    private static int[][] stateSegments(BaseMultiLayerUpdater<?> updater) {
        java.util.List<int[]> segments = new java.util.ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            int first = block.getParamOffsetStart(), length = block.getParamOffsetEnd() - first;
            int stateStart = block.getUpdaterViewOffsetStart(), stateLength = block.getUpdaterViewOffsetEnd() - stateStart;
            if (stateLength % length != 0) {
                throw new IllegalStateException("an updater block of " + length + " parameters holds " + stateLength + " state values");
            }
            for (int copy = 0; copy < stateLength / length; copy++) segments.add(new int[]{stateStart + copy * length, length, first});
        }
        return segments.toArray(int[][]::new);
    }
}
