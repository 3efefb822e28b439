package dev.cifar10.bench;

import dev.cifar10.util.Stats;

import dev.cifar10.data.CifarBatches;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training step's time goes: each step's batch is timed through the data iterator, a forward pass
 * (training mode), forward + backward ({@code computeGradientAndScore}) and a whole {@code fit} (which adds
 * Adam's update); backward and updater are the differences. Then every layer is timed on its own, forward
 * ({@code activate}) and backward ({@code backpropGradient}), summed per layer type. Medians over the steps.
 * The PyTorch counterpart is {@code bench/reference/step_breakdown.py}; docs/where-the-time-goes.md compares them.
 */
public final class StepBreakdown {
    private final MultiLayerNetwork net;
    private final CifarBatches batches;
    private final PrintWriter console;

    public StepBreakdown(MultiLayerNetwork net, CifarBatches batches, PrintWriter console) {
        this.net = net;
        this.batches = batches;
        this.console = console;
    }

    /** Median milliseconds per step of each phase and of each layer type's forward and backward. */
    public Map<String, Double> run(int steps) {
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        batches.startEpoch(1_000);
        for (int s = 0; s < steps; s++) {
            if (!batches.hasNext()) batches.startEpoch(1_001 + s);
            long t0 = System.nanoTime();
            DataSet batch = batches.next();
            long t1 = System.nanoTime();
            net.output(batch.getFeatures(), true);
            long t2 = System.nanoTime();
            net.setInput(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
            long t3 = System.nanoTime();
            net.fit(batch);
            long t4 = System.nanoTime();
            add(ms, "data (next batch)", t1 - t0);
            add(ms, "forward", t2 - t1);
            add(ms, "backward", (t3 - t2) - (t2 - t1));
            add(ms, "updater (Adam) and fit's own work", (t4 - t3) - (t3 - t2));
            add(ms, "whole step: data + fit", (t1 - t0) + (t4 - t3));
            perLayer(batch, ms);
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        ms.forEach((k, v) -> medians.put(k, Stats.median(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return medians;
    }

    /** Every layer alone, outside DL4J's workspaces, on the activations this batch gives it. */
    private void perLayer(DataSet batch, Map<String, List<Double>> ms) {
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        int n = (int) batch.getFeatures().size(0);
        INDArray input = batch.getFeatures();
        Map<String, Long> forward = new LinkedHashMap<>(), backward = new LinkedHashMap<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) input = pre.preProcess(input, n, noWorkspaces);
            Layer layer = layers[i];
            String type = typeName(layer);
            long t0 = System.nanoTime();
            INDArray output = layer.activate(input, true, noWorkspaces);
            long t1 = System.nanoTime();
            if (layer instanceof IOutputLayer out) {
                out.setLabels(batch.getLabels());
                layer.backpropGradient(null, noWorkspaces);
            } else {
                layer.backpropGradient(output.dup().assign(1e-3), noWorkspaces);
            }
            long t2 = System.nanoTime();
            forward.merge(type, t1 - t0, Long::sum);
            backward.merge(type, t2 - t1, Long::sum);
            input = output;
        }
        forward.forEach((type, ns) -> add(ms, "layer " + type + " forward", ns));
        backward.forEach((type, ns) -> add(ms, "layer " + type + " backward", ns));
    }

    /** The layer's class and how many of it the network has, e.g. "ConvolutionLayer (+ReLU) x6". */
    private String typeName(Layer layer) {
        // this project's Conv2DLayer is DL4J's ConvolutionLayer with less copying: one name, to line up with PyTorch's rows
        // (and SoftmaxOutputLayer DL4J's OutputLayer)
        String cls = layer instanceof ConvolutionLayer ? "ConvolutionLayer"
                : layer instanceof org.deeplearning4j.nn.layers.OutputLayer ? "OutputLayer" : layer.getClass().getSimpleName();
        long count = java.util.Arrays.stream(net.getLayers()).filter(l -> l.getClass() == layer.getClass()).count();
        String extra = switch (cls) {
            case "ConvolutionLayer", "DenseLayer" -> " (+ReLU)";
            case "OutputLayer" -> " (dense + softmax + loss)";
            default -> "";
        };
        return cls + extra + " x" + count;
    }

    private static void add(Map<String, List<Double>> ms, String key, long nanos) {
        ms.computeIfAbsent(key, k -> new ArrayList<>()).add(nanos / 1e6);
    }

    public void print(Map<String, Double> medians, int batchSize, Integer threads, int steps) {
        console.printf(Locale.ROOT, "Step breakdown: DL4J, batch %d, %s threads, median of %d steps, ms per step%n", batchSize,
                threads == null ? "?" : threads, steps);
        medians.forEach((k, v) -> console.printf(Locale.ROOT, "  %-55s %8.2f%n", k, v));
    }
}
