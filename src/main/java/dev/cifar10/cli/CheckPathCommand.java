package dev.cifar10.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.backend.LayerHelpers;
import dev.cifar10.backend.paths.ConvPath;
import dev.cifar10.backend.paths.ConvPaths;
import dev.cifar10.backend.paths.PathCheck;
import dev.cifar10.backend.paths.PathResult;
import dev.cifar10.cudnn.CudnnConvolution;
import dev.cifar10.cudnn.CudnnPooling;
import dev.cifar10.cudnn.Libnd4jConvolution;
import dev.cifar10.cudnn.Libnd4jPooling;
import dev.cifar10.model.HelperComparison;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.util.Stats;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * One convolution path, checked in this process alone (the doctor and train start one such process per path): the
 * network's forward and backward pass against DL4J's built-in layers, then timed training steps. Prints one line,
 * {@code PATH-CHECK {json}}.
 */
@Command(name = "check-path", hidden = true, mixinStandardHelpOptions = true,
        description = "Checks one convolution path in this process (run by doctor and train, one process per path).")
public final class CheckPathCommand implements Callable<Integer> {
    static final long SEED = 777;

    @Spec
    CommandSpec spec;

    @Option(names = "--conv-path", required = true, paramLabel = "PATH", description = "cudnn, libnd4j, onednn or built-in.")
    String path;

    @Option(names = "--backend", defaultValue = "auto", description = "As for train.")
    String backend;

    @Option(names = "--device", defaultValue = "auto", description = "As for train.")
    String device;

    @Option(names = "--cpu-natives", defaultValue = "auto", description = "As for train.")
    String cpuNatives;

    @Option(names = "--warmup-steps", defaultValue = "10", description = "Untimed training steps first (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--steps", defaultValue = "" + PathCheck.Target.STEPS, description = "Timed training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Override
    public Integer call() throws Exception {
        ConvPath convPath = ConvPath.of(path);
        BackendInfo info = Backends.initialise(new BackendOptions(backend, cpuNatives, convPath != ConvPath.BUILT_IN, device, 0, 0));
        if (!convPath.runsOn(info.backend())) {
            throw new dev.cifar10.config.ConfigException(path + " does not run on " + info.backend());
        }
        ConvPaths.apply(convPath);
        // the form train builds there by default, so the path is checked and timed as it will run
        NotebookCnn.Settings form = NotebookCnn.Settings.notebook(SEED).with(NotebookCnn.Layers.TUNED, NotebookCnn.autoLayout(info.backend()));
        MultiLayerNetwork net = NotebookCnn.build(form);
        String attached = LayerHelpers.describe(net);
        String engaged = engaged(convPath, net);
        PathResult result;
        if (engaged != null) {
            result = PathResult.failed(path, engaged + " (" + attached + ")");
        } else {
            // the built-in layers are the reference itself: nothing to compare
            HelperComparison.Result r = convPath == ConvPath.BUILT_IN ? new HelperComparison.Result(0, 0) : HelperComparison.run(form);
            result = new PathResult(path, r.agrees(), r.outputDifference(), r.gradientDifference(), msPerStep(net), attached, null);
        }
        spec.commandLine().getOut().println(PathCheck.RESULT_PREFIX + new ObjectMapper().writeValueAsString(result));
        return 0;
    }

    /**
     * Null when every convolution and pooling layer runs the path's code; else what runs instead (a helper that declined
     * leaves DL4J's code in place; cuDNN that cannot be loaded leaves libnd4j's ops).
     */
    static String engaged(ConvPath path, MultiLayerNetwork net) {
        var attached = LayerHelpers.attached(net);
        java.util.Set<String> expected = switch (path) {
            case BUILT_IN -> java.util.Set.of(LayerHelpers.BUILT_IN);
            // the names LayerHelpers reports: the classes' simple names
            case CUDNN -> java.util.Set.of(CudnnConvolution.class.getSimpleName(), CudnnPooling.class.getSimpleName());
            case LIBND4J -> java.util.Set.of(Libnd4jConvolution.class.getSimpleName(), Libnd4jPooling.class.getSimpleName());
            case ONEDNN -> java.util.Set.of(MKLDNNConvHelper.class.getSimpleName(), MKLDNNSubsamplingHelper.class.getSimpleName());
        };
        boolean all = attached.values().stream().allMatch(helpers -> expected.containsAll(helpers.keySet()));
        return all ? null : "its code does not run in every layer";
    }

    /** Median of {@link #steps} training steps on the comparison's batch, after {@link #warmupSteps}; each step waits for the device. */
    private double msPerStep(MultiLayerNetwork net) {
        DataSet batch = HelperComparison.batch(SEED);
        INDArray x = batch.getFeatures(), y = batch.getLabels();
        for (int i = 0; i < warmupSteps; i++) {
            net.fit(x, y);
            net.score();
        }
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            net.fit(x, y);
            net.score();   // reads the loss back: the step has finished on the device
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        return Stats.median(ms);
    }
}
