package dev.cifar10.model.tuned;

import dev.cifar10.backend.BackendException;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The DL4J internals the tuned layers rely on, checked before a tuned network is built, so that a DL4J other than
 * the one they were written for stops the run with a clear error instead of quietly losing the speed (an override
 * whose DL4J method was renamed is never called) or computing something else.
 *
 * <p>Two checks: DL4J's version must be {@value #WRITTEN_FOR}, and every protected method and field the tuned
 * classes override or read must still be there with the same signature. The remedy in both cases is
 * {@code --layers stock}, DL4J's own layers.
 */
public final class Dl4jInternals {
    public static final String WRITTEN_FOR = "1.0.0-M2.1";
    static final String VERSION_RESOURCE = "META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties";

    /** One relied-on member: a method (with parameter types) or a field (parameters null), and who relies on it. */
    record Member(Class<?> owner, String name, Class<?>[] parameters, String reliedOnBy) {
        static Member method(Class<?> owner, String name, String reliedOnBy, Class<?>... parameters) {
            return new Member(owner, name, parameters, reliedOnBy);
        }

        static Member field(Class<?> owner, String name, String reliedOnBy) {
            return new Member(owner, name, null, reliedOnBy);
        }

        boolean present() {
            for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
                try {
                    if (parameters == null) c.getDeclaredField(name);
                    else c.getDeclaredMethod(name, parameters);
                    return true;
                } catch (NoSuchFieldException | NoSuchMethodException e) {
                    // look further up
                }
            }
            return false;
        }

        String describe() {
            return owner.getSimpleName() + "." + name + (parameters == null ? " (field)"
                    : "(" + String.join(", ", java.util.Arrays.stream(parameters).map(Class::getSimpleName).toList()) + ")")
                    + ", relied on by " + reliedOnBy;
        }
    }

    static final List<Member> RELIED_ON = List.of(
            // Conv2DLayer: keeps z from the training forward pass for ConvolutionLayer.backpropGradient, which asks for it again
            Member.method(ConvolutionLayer.class, "preOutput", "Conv2DLayer", boolean.class, boolean.class, LayerWorkspaceMgr.class),
            Member.method(ConvolutionLayer.class, "activate", "Conv2DLayer", boolean.class, LayerWorkspaceMgr.class),
            Member.method(ConvolutionLayer.class, "backpropGradient", "Conv2DLayer", INDArray.class, LayerWorkspaceMgr.class),
            Member.method(ConvolutionLayer.class, "validateInputRank", "Conv2DLayer"),
            Member.method(ConvolutionLayer.class, "validateInputDepth", "Conv2DLayer", long.class),
            Member.field(ConvolutionLayer.class, "helper", "Conv2DLayer"),
            Member.field(ConvolutionLayer.class, "helperCountFail", "Conv2DLayer"),
            Member.field(ConvolutionLayer.class, "convolutionMode", "Conv2DLayer"),
            Member.method(BaseLayer.class, "getParamWithNoise", "Conv2DLayer", String.class, boolean.class, LayerWorkspaceMgr.class),
            Member.method(AbstractLayer.class, "applyDropOutIfNecessary", "Conv2DLayer", boolean.class, LayerWorkspaceMgr.class),
            // SoftmaxOutputLayer: computes z once in backprop, reuses it for the score; cleared when DL4J ends the step
            Member.method(BaseOutputLayer.class, "preOutput2d", "SoftmaxOutputLayer", boolean.class, LayerWorkspaceMgr.class),
            Member.method(BaseLayer.class, "clearNoiseWeightParams", "SoftmaxOutputLayer"),
            Member.method(AbstractLayer.class, "setInput", "SoftmaxOutputLayer", INDArray.class, LayerWorkspaceMgr.class),
            // Relu: DL4J's ReLU backward, replaced
            Member.method(ActivationReLU.class, "backprop", "Relu", INDArray.class, INDArray.class),
            // InvertedDropout: DL4J's dropout, replaced on the CPU
            Member.method(Dropout.class, "applyDropout", "InvertedDropout", INDArray.class, INDArray.class, int.class, int.class,
                    LayerWorkspaceMgr.class),
            Member.method(Dropout.class, "backprop", "InvertedDropout", INDArray.class, INDArray.class, int.class, int.class),
            // StandardPathUpdater: hands DL4J's updater its own flattened gradient, and reads which path it took
            Member.method(BaseMultiLayerUpdater.class, "update", "StandardPathUpdater", Gradient.class, int.class, int.class, int.class,
                    LayerWorkspaceMgr.class),
            Member.method(BaseMultiLayerUpdater.class, "getFlattenedGradientsView", "StandardPathUpdater"),
            Member.field(BaseMultiLayerUpdater.class, "network", "StandardPathUpdater"),
            Member.method(BaseMultiLayerUpdater.class, "divideByMinibatch", "StandardPathUpdater", boolean.class, Gradient.class, int.class),
            Member.method(MultiLayerNetwork.class, "setUpdater", "StandardPathUpdater", org.deeplearning4j.nn.api.Updater.class),
            Member.method(MultiLayerUpdater.class, "getStateViewArray", "StandardPathUpdater"));

    private static volatile boolean checked;

    private Dl4jInternals() {
    }

    /** @throws BackendException naming what changed, and the remedy (exit 5); checked once per process */
    public static void requireUnchanged() {
        if (checked) return;
        List<String> problems = problems(runningVersion(), RELIED_ON);
        if (!problems.isEmpty()) {
            throw new BackendException("The tuned layers were written for DL4J " + WRITTEN_FOR + ", and what they rely on has changed: "
                    + String.join("; ", problems) + ".", "Train with --layers stock (DL4J's own layers), or use DL4J " + WRITTEN_FOR + ".");
        }
        checked = true;
    }

    static List<String> problems(String version, List<Member> members) {
        List<String> problems = new ArrayList<>();
        if (!WRITTEN_FOR.equals(version)) problems.add("this is DL4J " + version);
        for (Member m : members) {
            if (!m.present()) problems.add("missing " + m.describe());
        }
        return problems;
    }

    /** The version of the deeplearning4j-nn jar on the classpath, from its Maven metadata; "unknown" without it. */
    static String runningVersion() {
        try (InputStream in = ConvolutionLayer.class.getClassLoader().getResourceAsStream(VERSION_RESOURCE)) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
