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
import dev.cifar10.backend.paths.ConvPath;
import dev.cifar10.backend.paths.PathCheck;
import dev.cifar10.backend.paths.PathResult;
import dev.cifar10.backend.paths.PathVerdicts;
import dev.cifar10.backend.paths.Verdict;
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
                + "that loaded, OpenMP, every GPU with the guard's verdict, CUDA and cuDNN; then every convolution path of the backend "
                + "(cudnn, libnd4j and built-in on CUDA; onednn and built-in on the CPU), each in a process of its own: checked against "
                + "DL4J's built-in layers and timed. The fastest verified path is stored in the cache directory, and train and bench use it.",
                "Exit 0 when the chosen backend runs and a path is verified, 5 when not."})
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "auto|cpu|cuda", defaultValue = "auto", description = "The backend to check, as train would choose it (default: auto).")
    String backend;

    @Option(names = "--device", paramLabel = "auto|all|N", defaultValue = "auto", description = "The GPUs to check, as for train (default: auto).")
    String device;

    @Option(names = "--cpu-natives", paramLabel = "auto|onednn|onednn-avx512", defaultValue = "auto", description = "The oneDNN native build (default: auto).")
    String cpuNatives;

    // the number train times when it checks the paths itself, so both store like verdicts
    @Option(names = "--steps", paramLabel = "N", defaultValue = "" + PathCheck.Target.STEPS,
            description = "Timed training steps per convolution path (default: ${DEFAULT-VALUE}).")
    int steps;

    @picocli.CommandLine.Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        java.nio.file.Path cacheDir = common.apply();
        if (!backend.matches("auto|cpu|cuda")) throw new ConfigException("--backend must be auto, cpu or cuda, not '" + backend + "'.");
        if (steps < 1 || steps > 10_000) throw new ConfigException("--steps must be 1 to 10000, not " + steps + ".");
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

        Verdict.Machine machine = Verdict.Machine.of(info);
        out.println("Convolution paths on " + machine.describe() + ", each checked in a process of its own (forward and backward "
                + "against DL4J's built-in layers, tolerance " + HelperComparison.TOLERANCE + "; then timed training steps, batch 32):");
        Verdict verdict = PathCheck.run(ConvPath.on(info.backend()), PathCheck.Target.of(info, cpuNatives, steps), machine, out);
        PathVerdicts verdicts = new PathVerdicts(cacheDir);
        verdicts.save(verdict, out);
        PathResult chosen = verdict.chosen();
        if (chosen == null) {
            out.println("Verdict: no convolution path ran correctly, not even DL4J's built-in layers (exit 5). Report this output.");
            return Main.EXIT_BACKEND;
        }
        out.println("Stored in " + verdicts.file() + ": train and bench use " + chosen.path() + " on this machine and build (--conv-path overrides).");
        out.println("Verdict: OK, training runs on " + info.backend() + " with " + chosen.path()
                + (info.fallback() != null ? " (fell back from CUDA, see above)" : "") + ".");
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
