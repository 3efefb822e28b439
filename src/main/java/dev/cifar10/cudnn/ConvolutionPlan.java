package dev.cifar10.cudnn;

import dev.cifar10.cudnn.CudnnApi.ConvolutionDescriptor;
import dev.cifar10.cudnn.CudnnApi.Device;
import dev.cifar10.cudnn.CudnnApi.FilterDescriptor;
import dev.cifar10.cudnn.CudnnApi.TensorDescriptor;
import org.deeplearning4j.nn.conf.CNN2DFormat;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One convolution layer at one shape: its cuDNN descriptors, built once, and the algorithm each pass runs. A layer
 * keeps one plan per shape it meets (training batch, last partial batch, evaluation batch), so a step only looks
 * its plan up. Not thread-safe: a layer is used by one thread at a time.
 */
final class ConvolutionPlan implements PlanCache.Plan {

    /** Everything the descriptors are built from. {@code y} is also the output gradient's, {@code x} the input gradient's. */
    record Shape(TensorSpec x, FilterSpec w, ConvolutionSpec convolution, TensorSpec y) {
        /** cuDNN's bias (and bias gradient) descriptor: [1, K, 1, 1], packed. */
        TensorSpec bias() {
            return TensorSpec.packed(y.dataType(), CNN2DFormat.NCHW, 1, y.c(), 1, 1);
        }
    }

    private record Chosen(AlgorithmSelection selection, int device, AlgorithmChoice choice) {
    }

    final Shape shape;
    private final CudnnApi api;
    final TensorDescriptor x, y;
    final FilterDescriptor w;
    private TensorDescriptor bias;
    private final Map<ConvolutionPass, ConvolutionDescriptor> convolutions = new EnumMap<>(ConvolutionPass.class);
    private final Map<ConvolutionPass, Chosen> chosen = new EnumMap<>(ConvolutionPass.class);

    ConvolutionPlan(CudnnApi api, Shape shape) {
        this.api = api;
        this.shape = shape;
        TensorDescriptor xd = null, yd = null;
        try {
            xd = api.createTensor(shape.x());
            yd = api.createTensor(shape.y());
            this.w = api.createFilter(shape.w());
        } catch (RuntimeException e) {
            if (xd != null) xd.destroy();
            if (yd != null) yd.destroy();
            throw e;
        }
        this.x = xd;
        this.y = yd;
    }

    TensorDescriptor bias() {
        if (bias == null) bias = api.createTensor(shape.bias());
        return bias;
    }

    /** The pass's own convolution descriptor: each pass sets the math type its algorithm was chosen with. */
    ConvolutionDescriptor convolution(ConvolutionPass pass) {
        return convolutions.computeIfAbsent(pass, p -> api.createConvolution(shape.convolution()));
    }

    /**
     * The algorithm {@code pass} runs: on first use (or when the way of choosing changes) the best of the
     * {@link AlgorithmCache}'s candidates whose workspace can be had on this GPU; afterwards the same, without asking.
     */
    AlgorithmChoice algorithm(ConvolutionPass pass, AlgorithmSelection selection, CudnnRuntime runtime, Device device) {
        Chosen known = chosen.get(pass);
        if (known != null && known.selection().equals(selection) && known.device() == device.ordinal()) return known.choice();
        ConvolutionDescriptor convolution = convolution(pass);
        AlgorithmKey key = new AlgorithmKey(pass, device.ordinal(), shape.x(), shape.w(), shape.convolution(), shape.y(), selection,
                runtime.workspaceLimitBytes());
        List<AlgorithmChoice> candidates = runtime.algorithms().candidates(key, api, x, w, convolution, y);
        CudnnException refused = null;
        for (AlgorithmChoice candidate : candidates) {
            try {
                runtime.workspaces().atLeast(device, candidate.workspaceBytes());
            } catch (CudnnException e) {   // no memory for this one's workspace: the next one needs less or runs slower
                refused = e;
                continue;
            }
            api.setMathType(convolution, candidate.mathType());
            chosen.put(pass, new Chosen(selection, device.ordinal(), candidate));
            return candidate;
        }
        throw new CudnnException("No workspace could be had for any cuDNN " + pass + " algorithm for " + key, refused);
    }

    /** The algorithms chosen so far, by pass. */
    Map<ConvolutionPass, AlgorithmChoice> chosen() {
        Map<ConvolutionPass, AlgorithmChoice> result = new EnumMap<>(ConvolutionPass.class);
        chosen.forEach((pass, c) -> result.put(pass, c.choice()));
        return result;
    }

    @Override
    public void destroy() {
        x.destroy();
        y.destroy();
        w.destroy();
        if (bias != null) bias.destroy();
        convolutions.values().forEach(CudnnApi.Descriptor::destroy);
        convolutions.clear();
    }
}
