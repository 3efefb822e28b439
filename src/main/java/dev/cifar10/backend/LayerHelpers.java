package dev.cifar10.backend;

import org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which helper each convolution and pooling layer of a network actually carries, read from the
 * layers after initialisation: DL4J drops a helper silently when its class is missing or declines,
 * so what was asked for is not evidence.
 */
public final class LayerHelpers {
    public static final String BUILT_IN = "built-in";

    private LayerHelpers() {
    }

    /** {"convolution": {"CudnnConvolutionHelper": 6}, "subsampling": {...}}; "built-in" counts layers without a helper. */
    public static Map<String, Map<String, Integer>> attached(MultiLayerNetwork net) {
        Map<String, Map<String, Integer>> kinds = new LinkedHashMap<>();
        for (Layer layer : net.getLayers()) {
            String kind = layer instanceof ConvolutionLayer ? "convolution" : layer instanceof SubsamplingLayer ? "subsampling" : null;
            if (kind == null) continue;
            kinds.computeIfAbsent(kind, k -> new TreeMap<>()).merge(name(layer.getHelper()), 1, Integer::sum);
        }
        return kinds;
    }

    /**
     * The helper's class; for this project's CUDA helper classes, the code behind them ({@code CudnnConvolution} when cuDNN
     * is called directly, {@code Libnd4jConvolution} for libnd4j's ops): the class name alone cannot tell the paths apart.
     */
    static String name(LayerHelper helper) {
        if (helper == null) return BUILT_IN;
        Object behind = helper instanceof CudnnConvolutionHelper c ? c.implementation()
                : helper instanceof CudnnSubsamplingHelper s ? s.implementation() : null;
        return (behind != null ? behind : helper).getClass().getSimpleName();
    }

    /** "convolution: 6 MKLDNNConvHelper | subsampling: 3 MKLDNNSubsamplingHelper". */
    public static String describe(MultiLayerNetwork net) {
        return describe(attached(net));
    }

    /** The same line from {@link #attached}'s result (as a Spark executor reports it). */
    public static String describe(Map<String, Map<String, Integer>> attached) {
        StringBuilder sb = new StringBuilder();
        attached.forEach((kind, helpers) -> {
            if (sb.length() > 0) sb.append(" | ");
            sb.append(kind).append(": ");
            StringBuilder h = new StringBuilder();
            helpers.forEach((name, count) -> h.append(h.length() > 0 ? ", " : "").append(count).append(" ").append(name));
            sb.append(h);
        });
        return sb.toString();
    }

    /**
     * Prints the "Layer helpers attached:" line for a freshly built network, and the warning below it when some
     * layer lacks its helper; returns what the layers carry, for run.json and the bench record.
     */
    public static Map<String, Map<String, Integer>> report(BackendInfo backend, MultiLayerNetwork net, PrintWriter console) {
        Map<String, Map<String, Integer>> attached = attached(net);
        console.println("Layer helpers attached: " + describe(attached));
        String warning = warning(backend, net);
        if (warning != null) console.println(warning);
        return attached;
    }

    /** A warning when helpers were switched on but some convolution or pooling layer runs DL4J's built-in code; else null. */
    public static String warning(BackendInfo backend, MultiLayerNetwork net) {
        if (backend.helpers().equals("off") || allAttached(net)) return null;
        return "Warning: " + backend.helpers() + " helpers are on, but some layers run DL4J's built-in implementation ("
                + describe(net) + "); run the doctor command to see why.";
    }

    /** True when every convolution and pooling layer carries a helper. */
    public static boolean allAttached(MultiLayerNetwork net) {
        return allAttached(attached(net));
    }

    /** True when {@link #attached}'s result shows no layer on DL4J's built-in code. */
    public static boolean allAttached(Map<String, Map<String, Integer>> attached) {
        return attached.values().stream().noneMatch(h -> h.containsKey(BUILT_IN));
    }
}
