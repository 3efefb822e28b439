package dev.cifar10.cli;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.backend.CpuInfo;
import dev.cifar10.backend.CudaLibraries;
import dev.cifar10.backend.GpuGuard;
import dev.cifar10.backend.LoadedLibraries;
import dev.cifar10.backend.NvidiaSmi;
import dev.cifar10.config.ConfigException;
import dev.cifar10.model.HelperComparison;
import dev.cifar10.util.HostInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Checks this machine for training and prints what it finds, for a bug report: the build, Java, the natives "
                + "that loaded, OpenMP, every GPU with the guard's verdict, CUDA and cuDNN, the layer helpers; then one forward and "
                + "backward pass of the notebook's network with the helpers and without, compared and timed.",
                "Exit 0 when the chosen backend runs and its helpers agree with DL4J's built-in layers, 5 when not."})
public final class DoctorCommand implements Callable<Integer> {
    static final long SEED = 777;

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", defaultValue = "auto", description = "The backend to check, as train would choose it (default: auto).")
    String backend;

    @Option(names = "--device", paramLabel = "auto|all|N", defaultValue = "auto", description = "The GPUs to check, as for train (default: auto).")
    String device;

    @Option(names = "--cpu-natives", paramLabel = "auto|onednn|onednn-avx512", defaultValue = "auto", description = "The oneDNN native build (default: auto).")
    String cpuNatives;

    @Option(names = "--verbose", description = "Show DL4J's and ND4J's INFO logging.")
    boolean verbose;

    @Override
    public Integer call() {
        Main.setVerbose(verbose);
        if (!backend.matches("auto|cpu|cuda")) throw new ConfigException("--backend must be auto, cpu or cuda, not '" + backend + "'.");
        if (!device.matches("auto|all|\\d{1,2}")) throw new ConfigException("--device must be auto, all or a GPU index, not '" + device + "'.");
        PrintWriter out = spec.commandLine().getOut();
        String build = Backends.buildBackend();
        out.println("cifar10-dl4j " + HostInfo.projectVersion() + " (commit " + HostInfo.gitCommit() + "), Deeplearning4j " + HostInfo.dl4jVersion());
        out.println("Build: " + build + (build.equals("cuda")
                ? " (nd4j-cuda-11.6 with the cuDNN natives, and the CPU backend to fall back to)"
                : " (nd4j-native with oneDNN; no CUDA: build with -Pcuda for GPUs)"));
        out.printf(Locale.ROOT, "Java: %s, max heap %,d MiB%n", HostInfo.javaRuntime(), Runtime.getRuntime().maxMemory() >> 20);
        CpuInfo cpu = CpuInfo.detect();
        out.printf(Locale.ROOT, "CPU: %s, %d threads, AVX-512: %s%n", cpu.model(), cpu.logicalCores(), cpu.hasAvx512() ? "yes" : "no");
        printGpus(out);

        BackendInfo info;
        BackendOptions options = new BackendOptions(backend, cpuNatives, true, device, 0, 0);
        if (options.contradiction() != null) throw new ConfigException(options.contradiction());
        try {
            info = Backends.initialise(options);
        } catch (BackendException e) {
            printCudaLibraries(out, build, null);
            out.println("Verdict: the chosen backend cannot run (exit 5): " + e.getMessage());
            return Main.EXIT_BACKEND;
        }
        printCudaLibraries(out, build, info);
        out.println(info.banner());
        out.println("Natives loaded:");
        LoadedLibraries.matching(LoadedLibraries.NATIVE_STACK).forEach((name, path) -> out.println("  " + name + ": " + path));
        out.println("OpenMP: " + info.details().get("openMp") + ", threads " + info.details().get("ompThreads")
                + (System.getenv("OMP_NUM_THREADS") != null ? " (OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ")" : ""));

        HelperComparison.Result r = HelperComparison.run(SEED);
        out.println("Layer helpers attached: " + r.withHelpers() + " (without: " + r.withoutHelpers() + ")");
        out.printf(Locale.ROOT, "Forward+backward, batch 32, median of 5: %.1f ms with helpers, %.1f ms without (%.2fx)%n",
                r.msWithHelpers(), r.msWithout(), r.msWithout() / r.msWithHelpers());
        out.printf(Locale.ROOT, "Agreement, ||with - without|| / ||without|| (tolerance %.0e): outputs %.1e, gradients %.1e%n",
                HelperComparison.TOLERANCE, r.outputDifference(), r.gradientDifference());
        if (!r.agrees()) {
            out.println("Verdict: the layer helpers disagree with DL4J's built-in layers beyond the tolerance (exit 5). "
                    + "Train with --no-helpers and report this output.");
            return Main.EXIT_BACKEND;
        }
        out.println("Verdict: OK, training runs on " + info.backend() + (info.fallback() != null ? " (fell back from CUDA, see above)" : "") + ".");
        return 0;
    }

    private static void printGpus(PrintWriter out) {
        NvidiaSmi.Answer smi = NvidiaSmi.query();
        try {
            var gpus = GpuGuard.verdicts(smi);
            out.println("GPUs (nvidia-smi):");
            gpus.forEach((gpu, verdict) -> out.println("  " + gpu.describe() + ": " + verdict));
        } catch (BackendException e) {
            out.println("GPUs: none usable: " + e.problem());
        }
    }

    private static void printCudaLibraries(PrintWriter out, String build, BackendInfo info) {
        if (!build.equals("cuda")) {
            out.println("CUDA libraries: not looked for (the cpu build carries no CUDA backend)");
            return;
        }
        CudaLibraries cuda = info != null && info.backend().equals("cuda") ? null : CudaLibraries.probe();
        Map<String, String> versions = cuda == null ? info.cudaVersions() : cuda.versions();
        if (cuda != null && !cuda.loaded()) {
            out.println("CUDA libraries: " + cuda.problem());
        } else {
            out.println("CUDA libraries: loaded; CUDA runtime " + versions.get("cudaRuntime") + ", the driver supports CUDA "
                    + versions.get("cudaDriver") + ", cuDNN " + versions.get("cudnn") + ", " + versions.get("cudaDevices") + " GPU(s) visible");
        }
        LoadedLibraries.matching("lib(cuda|cudart|cublas|cublasLt|cusolver|cudnn)\\.so.*")
                .forEach((name, path) -> out.println("  " + name + ": " + path));
    }
}
