package dev.cifar10.backend.paths;

import dev.cifar10.backend.BackendInfo;
import dev.cifar10.cudnn.ConvolutionPath;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.cuda.convolution.CudnnHelpers;

import java.io.PrintWriter;
import java.util.function.Supplier;

/**
 * Which convolution path a run uses, and why: the user's {@code --conv-path}, or the fastest path verified on this
 * machine, driver and build (a {@link Verdict} the doctor command or an earlier run stored in the cache directory). Without
 * a verdict, the CPU uses oneDNN, and CUDA checks every path first. A path that crashes, hangs or disagrees with DL4J's built-in layers is never chosen, so the choice can only
 * match or beat DL4J's own code.
 */
public final class ConvPaths {
    public static final String AUTO = "auto";

    /** The path a run uses and why, for the console, run.json and the bench record. */
    public record Choice(ConvPath path, String reason) {
    }

    private ConvPaths() {
    }

    /**
     * @param requested "auto" or a {@link ConvPath} key
     * @param helpers   false for {@code --no-helpers}: DL4J's built-in layers
     * @param check     checks every path of the backend (child processes); called only on CUDA without a stored verdict
     * @throws IllegalArgumentException a requested path that cannot run here, or contradicts --no-helpers (the caller's
     *                                  configuration error)
     */
    public static Choice choose(String requested, boolean helpers, BackendInfo backend, PathVerdicts verdicts, Supplier<Verdict> check,
                                PrintWriter console) {
        if (!requested.equals(AUTO)) {
            ConvPath path = ConvPath.of(requested);
            if (!path.runsOn(backend.backend())) {
                throw new IllegalArgumentException("--conv-path " + requested + " runs on " + (path == ConvPath.ONEDNN ? "the CPU" : "CUDA")
                        + ", and this run is on " + backend.backend() + (backend.fallback() != null ? " (" + backend.fallback() + ")" : "")
                        + ". Use one of: auto, " + ConvPath.keysOn(backend.backend()) + ".");
            }
            if (!helpers && path != ConvPath.BUILT_IN) {
                throw new IllegalArgumentException("--no-helpers means DL4J's built-in layers, and --conv-path " + requested + " asks for another path. Drop one.");
            }
            return new Choice(path, "--conv-path " + requested);
        }
        if (!helpers) return new Choice(ConvPath.BUILT_IN, "--no-helpers");
        Verdict.Machine machine = Verdict.Machine.of(backend);
        Verdict verdict = verdicts.find(machine, console);
        if (verdict == null && !backend.backend().equals("cuda")) {
            return new Choice(ConvPath.ONEDNN, "the CPU's default (the doctor command checks and times every path)");
        }
        if (verdict == null) {
            console.println("No convolution path is verified yet on " + machine.describe() + " with this build: checking each ("
                    + ConvPath.keysOn(backend.backend())
                    + "), each in a process of its own; about a minute, once.");
            verdict = check.get();
            verdicts.save(verdict, console);
        }
        PathResult chosen = verdict.chosen();
        if (chosen == null) {
            throw new dev.cifar10.backend.BackendException("No convolution path ran correctly on " + machine.describe()
                    + ", not even DL4J's built-in layers: " + verdict.reason() + ".",
                    "Run the doctor command and report its output; delete " + verdicts.file() + " to check again.");
        }
        return new Choice(ConvPath.of(chosen.path()), verdict.reason());
    }

    /** Sets what DL4J and the helper classes read when a network's layers are created; call before building it. */
    public static void apply(ConvPath path) {
        boolean helpers = path != ConvPath.BUILT_IN;
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, Boolean.toString(!helpers));
        System.setProperty(CudnnHelpers.ENABLED_PROPERTY, Boolean.toString(helpers));
        ConvolutionPath onCuda = path == ConvPath.CUDNN ? ConvolutionPath.CUDNN : path == ConvPath.LIBND4J ? ConvolutionPath.LIBND4J
                : ConvolutionPath.BUILT_IN;
        System.setProperty(ConvolutionPath.PROPERTY, onCuda.value());   // what the CUDA helper classes read
    }
}
