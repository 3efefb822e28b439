package dev.cifar10.model.tuned;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The one place where the notebook's stock DL4J network becomes the tuned one, and back.
 *
 * <p>Every class in this package is a DL4J class with less repeated work on a training step (each
 * says which DL4J 1.0.0-M2.1 internal it relies on, and {@link Dl4jInternals} checks them all at start-up):
 * <ul>
 * <li>{@link Conv2D} / {@link Conv2DLayer}: convolution keeping its pre-activation for backprop;</li>
 * <li>{@link Relu}: ReLU with a vectorised backward pass, right on NHWC views;</li>
 * <li>{@link InvertedDropout}: dropout with the mask drawn in Java on the CPU;</li>
 * <li>{@link SoftmaxOutput} / {@link SoftmaxOutputLayer}: the output layer computing its logits once a step;</li>
 * <li>{@link StandardPathUpdater}: Adam taking DL4J's in-place path for the network's own gradient;</li>
 * <li>{@link ChannelsLast}: NCHW images in, NHWC inside (oneDNN's layout), with no stock equivalent.</li>
 * </ul>
 * The mapping works on the configuration's JSON: each tuned configuration class is its stock class
 * with the same fields under another name, so a rename is the whole translation, and the parameters
 * stay where they are. Only the layout changes a parameter's meaning: see {@link dev.cifar10.model.Layouts}.
 */
public final class TunedLayers {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Stock DL4J class to its tuned subclass, for every class this package replaces. */
    static final Map<String, String> STOCK_TO_TUNED = Map.of(
            "org.deeplearning4j.nn.conf.layers.ConvolutionLayer", Conv2D.class.getName(),
            "org.deeplearning4j.nn.conf.layers.OutputLayer", SoftmaxOutput.class.getName(),
            "org.nd4j.linalg.activations.impl.ActivationReLU", Relu.class.getName(),
            "org.deeplearning4j.nn.conf.dropout.Dropout", InvertedDropout.class.getName());

    /** Tuned class to its stock class: this package's names, and those of versions that kept them in dev.cifar10.model. */
    static final Map<String, String> TUNED_TO_STOCK;
    public static final String CHANNELS_LAST = ChannelsLast.class.getName();
    static final String LEGACY_CHANNELS_LAST = legacyName(CHANNELS_LAST);

    static {
        var reverse = new java.util.HashMap<String, String>();
        STOCK_TO_TUNED.forEach((stock, tuned) -> {
            reverse.put(tuned, stock);
            reverse.put(legacyName(tuned), stock);
        });
        TUNED_TO_STOCK = Map.copyOf(reverse);
    }

    private static final String CNN_TO_DENSE = "org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor";

    private TunedLayers() {
    }

    /** The tuned form of a stock NCHW configuration, computing in {@code layout}. */
    public static MultiLayerConfiguration tune(MultiLayerConfiguration stock, CNN2DFormat layout) {
        Dl4jInternals.requireUnchanged();
        ObjectNode json = tree(stock);
        rename(json, STOCK_TO_TUNED, true);
        if (layout == CNN2DFormat.NHWC) {
            ObjectNode preprocessors = (ObjectNode) json.get("inputPreProcessors");
            if (preprocessors.has("0")) throw new IllegalArgumentException("layer 0 already has an input preprocessor: " + preprocessors.get("0"));
            preprocessors.set("0", JSON.createObjectNode().put("@class", CHANNELS_LAST));
            setLayout(json, CNN2DFormat.NHWC);
        }
        return MultiLayerConfiguration.fromJson(json.toString());
    }

    /**
     * The stock NCHW form of a configuration, tuned or not, of this version or of one that kept the tuned classes in
     * {@code dev.cifar10.model}: any DL4J program opens it.
     */
    public static String stockJson(String json) {
        ObjectNode tree = tree(json);
        rename(tree, TUNED_TO_STOCK, false);
        ObjectNode preprocessors = (ObjectNode) tree.get("inputPreProcessors");
        JsonNode first = preprocessors == null ? null : preprocessors.get("0");
        if (first != null && isChannelsLast(first.path("@class").asText())) preprocessors.remove("0");
        setLayout(tree, CNN2DFormat.NCHW);
        return tree.toString();
    }

    public static MultiLayerConfiguration stock(MultiLayerConfiguration conf) {
        return MultiLayerConfiguration.fromJson(stockJson(conf.toJson()));
    }

    /** Whether {@code className} is one of this package's classes, under its name of this version or an earlier one. */
    public static boolean isTunedClass(String className) {
        return TUNED_TO_STOCK.containsKey(className) || isChannelsLast(className);
    }

    /** The configuration with the tuned classes' names of earlier versions ({@code dev.cifar10.model.X}) replaced by this version's. */
    public static String currentNames(String json) {
        ObjectNode tree = tree(json);
        Map<String, String> current = new java.util.HashMap<>();
        STOCK_TO_TUNED.values().forEach(name -> current.put(legacyName(name), name));
        current.put(LEGACY_CHANNELS_LAST, CHANNELS_LAST);
        rename(tree, current, false);
        return tree.toString();
    }

    private static String legacyName(String tunedClass) {
        return tunedClass.replace(".model.tuned.", ".model.");
    }

    static boolean isChannelsLast(String className) {
        return className.equals(CHANNELS_LAST) || className.equals(LEGACY_CHANNELS_LAST);
    }

    /** Gives a tuned network the {@link StandardPathUpdater}, keeping the state of the updater it has. */
    public static void installUpdater(MultiLayerNetwork net) {
        StandardPathUpdater.install(net);
    }

    /**
     * Renames every "@class" found in {@code names}. Going to the tuned form, an output layer is renamed only
     * when it is softmax with cross-entropy, the one case {@link SoftmaxOutput} takes.
     */
    private static void rename(JsonNode node, Map<String, String> names, boolean toTuned) {
        if (node instanceof ObjectNode o) {
            JsonNode type = o.get("@class");
            if (type != null && type.isTextual() && names.containsKey(type.asText())
                    && (!toTuned || !type.asText().endsWith(".OutputLayer") || isSoftmaxCrossEntropy(o))) {
                o.put("@class", names.get(type.asText()));
            }
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) rename(it.next(), names, toTuned);
    }

    private static boolean isSoftmaxCrossEntropy(ObjectNode outputLayer) {
        String activation = outputLayer.path("activationFn").path("@class").asText();
        String loss = outputLayer.path("lossFn").path("@class").asText();
        return activation.endsWith(".ActivationSoftmax") && (loss.endsWith(".LossMCXENT") || loss.endsWith(".LossNegativeLogLikelihood")
                || loss.endsWith(".LossSparseMCXENT"));
    }

    /** The layout of every convolution and pooling layer, and of the flattening before the dense layer. */
    private static void setLayout(ObjectNode conf, CNN2DFormat layout) {
        for (JsonNode layerConf : conf.path("confs")) {
            JsonNode layer = layerConf.path("layer");
            if (layer instanceof ObjectNode l && l.has("cnn2dDataFormat")) l.put("cnn2dDataFormat", layout.name());
        }
        for (JsonNode p : conf.path("inputPreProcessors")) {
            if (p instanceof ObjectNode o && CNN_TO_DENSE.equals(o.path("@class").asText())) o.put("format", layout.name());
        }
    }

    private static ObjectNode tree(MultiLayerConfiguration conf) {
        return tree(conf.toJson());
    }

    private static ObjectNode tree(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
