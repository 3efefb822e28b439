package dev.cifar10.cudnn;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

/**
 * Proves or refutes the cuDNN path on a GPU in about a minute: runs every pass once through the real seam and
 * compares it with libnd4j's ops on the same GPU, in NCHW and NHWC, at the notebook's shapes (first layer, a middle
 * layer, a partial batch, the max pooling); then checks that a repeated step searches and allocates nothing, and
 * times one layer on both paths.
 *
 * <p>{@code java -cp "target/cifar10-dl4j.jar:target/lib/*" dev.cifar10.cudnn.GpuSelfCheck} (the cuda build);
 * exit status 0 when every check passes, 1 when one fails, 2 when it cannot run (no CUDA backend, no cuDNN).
 */
public final class GpuSelfCheck {
    /**
     * Largest |cuDNN - libnd4j| relative to the largest |libnd4j|. Both sum in float in different orders; on Ampere
     * and newer cuDNN's default math rounds float inputs to TF32 (10-bit mantissa, about 1e-3); a wrong stride,
     * padding or layout gives O(1).
     */
    public static final double TOLERANCE = 1e-2;
    private static final int[] ONE = {1, 1};

    /** One comparison: {@code error} is the relative difference, NaN when the pass threw. */
    public record Check(String name, double error, String problem) {
        public boolean passed() {
            return problem == null && error <= TOLERANCE;
        }
    }

    public record Report(List<Check> checks) {
        public boolean passed() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
        }
    }

    private GpuSelfCheck() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        BackendInfo backend;
        try {
            backend = Backends.initialise(new BackendOptions(BackendOptions.CUDA, BackendOptions.AUTO, true, BackendOptions.AUTO, 0, 0));
        } catch (BackendException e) {
            out.println("cuDNN self-check cannot run: " + e.getMessage());
            System.exit(2);
            return;
        }
        CudnnRuntime runtime = CudnnRuntime.shared();
        if (runtime == null) {
            out.println("cuDNN self-check cannot run: " + CudnnRuntime.unavailableReason());
            System.exit(2);
            return;
        }
        out.println("cuDNN path self-check on " + backend.banner());
        Report report = run(runtime, out, true);
        out.println(report.passed() ? "PASS: every cuDNN pass agrees with libnd4j's ops within " + TOLERANCE
                : "FAIL: " + report.checks().stream().filter(c -> !c.passed()).count() + " check(s) failed");
        System.exit(report.passed() ? 0 : 1);
    }

    /** The checks, printed as they run; then, with {@code timing}, the time of one layer on each path. */
    public static Report run(CudnnRuntime runtime, PrintWriter out, boolean timing) {
        out.println("  GPU: " + runtime.api().device().name() + ", algorithm rule " + runtime.rule());
        List<Check> checks = new ArrayList<>();
        Nd4j.getRandom().setSeed(20240601);
        for (CNN2DFormat layout : CNN2DFormat.values()) {
            checks.addAll(convolution(runtime, layout, 32, 3, 32, 32, false, out));   // the first layer: no input gradient
            checks.addAll(convolution(runtime, layout, 32, 32, 64, 16, true, out));
            checks.addAll(convolution(runtime, layout, 7, 32, 64, 16, true, out));    // a partial last batch
            checks.addAll(pooling(runtime, layout, 32, 32, 32, out));
        }
        int searches = runtime.algorithms().searches(), allocations = runtime.workspaces().allocations();
        convolution(runtime, CNN2DFormat.NCHW, 32, 32, 64, 16, true, new PrintWriter(PrintWriter.nullWriter()));
        int moreSearches = runtime.algorithms().searches() - searches, moreAllocations = runtime.workspaces().allocations() - allocations;
        checks.add(report(out, new Check("repeated step: " + moreSearches + " searches, " + moreAllocations + " workspace allocations",
                0, moreSearches + moreAllocations == 0 ? null : "a step of known shapes must neither search nor allocate")));
        out.println("  workspace: " + Workspaces.format(runtime.workspaces().bytes(runtime.api().device())) + " ("
                + runtime.workspaces().allocations() + " allocations)");
        runtime.algorithms().entries().entrySet().stream().map(e -> "  " + e.getKey() + ": " + e.getValue().get(0)).sorted().forEach(out::println);
        if (timing) timing(runtime, out);
        return new Report(checks);
    }

    private static Check report(PrintWriter out, Check check) {
        out.println(String.format("  %-4s %s%s", check.passed() ? "ok" : "FAIL", check.name(),
                check.problem() != null ? ": " + check.problem() : Double.isNaN(check.error()) ? "" : String.format(" (%.1e)", check.error())));
        return check;
    }

    private static double error(INDArray actual, INDArray expected) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-12);
        return actual.sub(expected).amaxNumber().doubleValue() / scale;
    }

    /** The shape of {@code n} square {@code size}x{@code size} images of {@code c} channels in {@code layout}. */
    private static long[] shape(CNN2DFormat layout, int n, int c, int size) {
        return Geometry.shape(layout, n, c, size, size);
    }

    /** Gradient views inside one flat array at an offset, as DL4J's are. */
    private record Views(INDArray flat, INDArray bias, INDArray weights) {
        static Views of(long[] weightShape, long channels) {
            long w = 1;
            for (long d : weightShape) w *= d;
            INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, 3 + channels + w);
            return new Views(flat, flat.get(all(), interval(3, 3 + channels)), flat.get(all(), interval(3 + channels, 3 + channels + w))
                    .reshape('c', weightShape));
        }
    }

    private static List<Check> convolution(CudnnRuntime runtime, CNN2DFormat layout, int batch, int in, int out, int size,
                                           boolean inputGradient, PrintWriter print) {
        String name = layout + " conv " + java.util.Arrays.toString(shape(layout, batch, in, size)) + " -> " + out + " channels, 3x3 same";
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = Nd4j.randn(DataType.FLOAT, shape(layout, batch, in, size));
        INDArray w = Nd4j.randn(DataType.FLOAT, out, in, 3, 3).muli(Math.sqrt(2.0 / (9 * in)));
        INDArray b = Nd4j.randn(DataType.FLOAT, 1, out);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape(layout, batch, out, size));
        int[] kernel = {3, 3}, pad = {1, 1};
        List<Check> checks = new ArrayList<>();
        try {
            Libnd4jConvolution reference = new Libnd4jConvolution(DataType.FLOAT);
            CudnnConvolution cudnn = new CudnnConvolution(runtime, DataType.FLOAT);
            cudnn.setInputGradientNeeded(inputGradient);
            INDArray expected = reference.preOutput(x, w, b, kernel, ONE, pad, AlgoMode.PREFER_FASTEST, null, ConvolutionMode.Same, ONE, layout, mgr);
            INDArray actual = cudnn.preOutput(x, w, b, kernel, ONE, pad, AlgoMode.PREFER_FASTEST, null, ConvolutionMode.Same, ONE, layout, mgr);
            checks.add(report(print, new Check(name + ", forward", error(actual, expected), null)));

            Views e = Views.of(w.shape(), out), a = Views.of(w.shape(), out);
            Pair<Gradient, INDArray> re = reference.backpropGradient(x, w, b, dy, kernel, ONE, pad, e.bias(), e.weights(),
                    Activation.IDENTITY.getActivationFunction(), AlgoMode.PREFER_FASTEST, null, null, ConvolutionMode.Same, ONE, layout, mgr);
            Pair<Gradient, INDArray> ra = cudnn.backpropGradient(x, w, b, dy, kernel, ONE, pad, a.bias(), a.weights(),
                    Activation.IDENTITY.getActivationFunction(), AlgoMode.PREFER_FASTEST, null, null, ConvolutionMode.Same, ONE, layout, mgr);
            checks.add(report(print, new Check(name + ", weight gradient", error(a.weights(), e.weights()), null)));
            checks.add(report(print, new Check(name + ", bias gradient", error(a.bias(), e.bias()), null)));
            checks.add(report(print, new Check(name + ", gradient views untouched outside", a.flat().get(all(), interval(0, 3))
                    .amaxNumber().doubleValue(), null)));
            if (inputGradient) {
                checks.add(report(print, new Check(name + ", input gradient", error(ra.getSecond(), re.getSecond()), null)));
            } else {
                checks.add(report(print, new Check(name + ", input gradient skipped", 0, ra.getSecond() == null ? null : "computed anyway")));
            }
        } catch (RuntimeException e) {
            checks.add(report(print, new Check(name, Double.NaN, e.toString())));
        }
        return checks;
    }

    private static List<Check> pooling(CudnnRuntime runtime, CNN2DFormat layout, int batch, int channels, int size, PrintWriter print) {
        String name = layout + " max pool 2x2/2 " + java.util.Arrays.toString(shape(layout, batch, channels, size));
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray x = Nd4j.randn(DataType.FLOAT, shape(layout, batch, channels, size));
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape(layout, batch, channels, size / 2));
        int[] kernel = {2, 2}, zero = {0, 0};
        List<Check> checks = new ArrayList<>();
        try {
            Libnd4jPooling reference = new Libnd4jPooling(DataType.FLOAT);
            CudnnPooling cudnn = new CudnnPooling(runtime, DataType.FLOAT);
            checks.add(report(print, new Check(name + ", forward", error(
                    cudnn.activate(x, true, kernel, kernel, zero, PoolingType.MAX, ConvolutionMode.Same, ONE, layout, mgr),
                    reference.activate(x, true, kernel, kernel, zero, PoolingType.MAX, ConvolutionMode.Same, ONE, layout, mgr)), null)));
            checks.add(report(print, new Check(name + ", backward", error(
                    cudnn.backpropGradient(x, dy, kernel, kernel, zero, PoolingType.MAX, ConvolutionMode.Same, ONE, layout, mgr).getSecond(),
                    reference.backpropGradient(x, dy, kernel, kernel, zero, PoolingType.MAX, ConvolutionMode.Same, ONE, layout, mgr).getSecond()),
                    null)));
        } catch (RuntimeException e) {
            checks.add(report(print, new Check(name, Double.NaN, e.toString())));
        }
        return checks;
    }

    /** Milliseconds per forward + backward of one middle layer on each path (informative, not checked). */
    private static void timing(CudnnRuntime runtime, PrintWriter out) {
        for (CNN2DFormat layout : CNN2DFormat.values()) {
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            INDArray x = Nd4j.randn(DataType.FLOAT, shape(layout, 32, 32, 16)), w = Nd4j.randn(DataType.FLOAT, 64, 32, 3, 3);
            INDArray b = Nd4j.randn(DataType.FLOAT, 1, 64), dy = Nd4j.randn(DataType.FLOAT, shape(layout, 32, 64, 16));
            Views v = Views.of(w.shape(), 64);
            StringBuilder line = new StringBuilder("  time per forward + backward, " + layout + " [32, 32, 16, 16] -> 64:");
            for (ConvolutionImplementation path : List.of(new CudnnConvolution(runtime, DataType.FLOAT), new Libnd4jConvolution(DataType.FLOAT))) {
                int[] k = {3, 3};
                long start = 0;
                for (int i = 0; i < 25; i++) {
                    if (i == 5) {   // after warm-up (searches, first allocations)
                        Nd4j.getExecutioner().commit();
                        start = System.nanoTime();
                    }
                    path.preOutput(x, w, b, k, ONE, ONE, AlgoMode.PREFER_FASTEST, null, ConvolutionMode.Same, ONE, layout, mgr);
                    path.backpropGradient(x, w, b, dy, k, ONE, ONE, v.bias(), v.weights(), Activation.IDENTITY.getActivationFunction(),
                            AlgoMode.PREFER_FASTEST, null, null, ConvolutionMode.Same, ONE, layout, mgr);
                }
                Nd4j.getExecutioner().commit();
                line.append(String.format(" %s %.2f ms", path instanceof CudnnConvolution ? "cudnn" : "libnd4j", (System.nanoTime() - start) / 20 / 1e6));
            }
            out.println(line);
        }
    }
}
