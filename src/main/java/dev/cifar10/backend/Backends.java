package dev.cifar10.backend;

import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.cuda.convolution.CudnnHelpers;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The one place that decides which ND4J backend and native build run, and switches on the layer
 * helpers (oneDNN on CPU, cuDNN on CUDA). {@link #initialise} must run before anything touches
 * {@link Nd4j}: the backend and native library are chosen while ND4J loads and cannot change afterwards.
 *
 * <p>The cpu build (Maven profile {@code cpu}) carries only nd4j-native. The cuda build carries
 * nd4j-cuda-11.6 and nd4j-native: with {@code --backend auto} it runs on CUDA where the GPU guard
 * and the CUDA libraries allow, and otherwise falls back to the CPU, saying why. A user who names a
 * GPU ({@code --device N}) or {@code --backend cuda} insists: then any problem ends the run (exit 5).
 */
public final class Backends {
    public static final String JAVACPP_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    static final String CPU_BACKEND_CLASS = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
    static final String PLATFORM = "linux-x86_64";
    static final String CUDA_BUILD_COMMAND = "mvn -Pcuda -DskipTests package (add ,cuda-redist to bundle CUDA 11.6 and cuDNN 8.3)";

    private static BackendInfo current;

    private Backends() {
    }

    /** Which build this is: "cuda" when it carries nd4j-cuda (and the CPU backend beside it), else "cpu". */
    public static String buildBackend() {
        if (classPresent(CUDA_BACKEND_CLASS)) return "cuda";
        if (classPresent(CPU_BACKEND_CLASS)) return "cpu";
        throw new BackendException("Neither nd4j-native nor nd4j-cuda is on the classpath.",
                "Build with a backend profile: mvn package (cpu, the default) or mvn -Pcuda package.");
    }

    /** The backend chosen before ND4J loads: CUDA with its GPUs and libraries, or the CPU and why (fallback). */
    record Choice(String backend, List<GpuDevice> gpus, CudaLibraries cuda, String fallback, Map<String, Object> details) {
    }

    /**
     * Decides between CUDA and the CPU without loading ND4J: the GPU guard on nvidia-smi's answer,
     * then CUDA's own libraries. Sets CUDA's device order and visible devices on the way.
     */
    static Choice choose(BackendOptions options, String build, NvidiaSmi.Answer smi) {
        return choose(options, build, smi, CudaLibraries::probe);
    }

    /** @param cudaLibraries loads CUDA's libraries and reports (tests answer for it: no GPU is needed to follow the success path) */
    static Choice choose(BackendOptions options, String build, NvidiaSmi.Answer smi, java.util.function.Supplier<CudaLibraries> cudaLibraries) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("requested", options.backend() + (options.device().equals(BackendOptions.AUTO) ? "" : ", device " + options.device()));
        if (options.backend().equals(BackendOptions.CPU)) return new Choice("cpu", List.of(), null, null, details);
        if (build.equals("cpu")) {
            if (options.insistsOnCuda()) {
                throw new BackendException(options.insistingFlag() + " asks for a GPU, but this is the cpu build: it carries no CUDA backend.",
                        "Build the cuda one: " + CUDA_BUILD_COMMAND + ", or drop " + options.insistingFlag() + ".");
            }
            return new Choice("cpu", List.of(), null, null, details);
        }
        try {
            List<GpuDevice> gpus = GpuGuard.choose(smi, options.device(), options.workers(), System.getenv("CUDA_VISIBLE_DEVICES"));
            details.put("cudaDeviceOrder", setUnlessUserSet("CUDA_DEVICE_ORDER", "PCI_BUS_ID"));
            details.put("cudaVisibleDevices", selectDevices(gpus));
            CudaLibraries cuda = cudaLibraries.get();
            if (!cuda.loaded()) throw new BackendException(cuda.problem(), CudaLibraries.REMEDY);
            return new Choice("cuda", gpus, cuda, null, details);
        } catch (BackendException e) {
            if (options.insistsOnCuda()) {
                throw new BackendException(e.getMessage(), "(" + options.insistingFlag() + " insists on CUDA; without it this build falls back to the CPU.)");
            }
            // the reason and how to get the GPU, without the advice to use the CPU: that is what happens next
            String toUseTheGpu = e.remedy().replace(GpuGuard.CPU_REMEDY, "").strip();
            return new Choice("cpu", List.of(), null, e.problem() + (toUseTheGpu.isEmpty() ? "" : " " + toUseTheGpu), details);
        }
    }

    /** Chooses the backend and natives, loads ND4J and engages the helpers; idempotent. */
    public static synchronized BackendInfo initialise(BackendOptions options) {
        String build = buildBackend();
        if (current != null) {
            // ND4J cannot change backend once loaded; the cpu build still refuses what it cannot do (no side effects there)
            if (build.equals("cpu")) choose(options, build, null);
            return current;
        }
        long physicalCap = PhysicalMemoryGuard.takeOver();   // before anything loads JavaCPP
        CpuInfo cpu = CpuInfo.detect();
        // nvidia-smi only where CUDA is possible: the cpu build and --backend cpu never ask the driver
        boolean mayUseCuda = build.equals("cuda") && !options.backend().equals(BackendOptions.CPU);
        Choice choice = choose(options, build, mayUseCuda ? NvidiaSmi.query() : null);
        Map<String, Object> details = new LinkedHashMap<>(choice.details());
        String variant;
        if (choice.backend().equals("cuda")) {
            variant = chooseCudaVariant();
            System.setProperty(CudnnHelpers.ENABLED_PROPERTY, Boolean.toString(options.helpers()));
        } else {
            variant = chooseCpuVariant(options.cpuNatives(), cpu);
        }
        if (choice.fallback() != null) details.put("fallback", choice.fallback());
        if (choice.cuda() != null) details.put("cudaLibraries", choice.cuda().paths()); // the versions go to BackendInfo
        System.setProperty(JAVACPP_EXTENSION_PROPERTY, variant.substring(PLATFORM.length()));
        details.put("openMp", OpenMpSettings.apply());
        details.put("physicalMemoryCap", physicalCap > 0 ? Pointer.formatBytes(physicalCap) + ", checked once a step (training step or evaluation batch)"
                : "JavaCPP's, checked on every allocation");
        // DL4J M2.1 ships with all layer helpers disabled by default (DL4JSystemProperties).
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, Boolean.toString(!options.helpers()));

        Nd4jBackendLoader.load(choice.backend().equals("cuda") ? CUDA_BACKEND_CLASS : CPU_BACKEND_CLASS);
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        if (options.maxDeviceMemoryMiB() > 0) Nd4j.getEnvironment().setMaxDeviceMemory(options.maxDeviceMemoryMiB() << 20);
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String helpers = "off";
        if (options.helpers()) {
            if (choice.backend().equals("cuda")) {
                helpers = "cuDNN";
            } else if (BaseMKLDNNHelper.mklDnnEnabled()) {
                helpers = "oneDNN";
            } else {
                throw new BackendException("The oneDNN layer helpers did not engage on native build " + variant + ".",
                        "Run with --no-helpers to train on DL4J's built-in (much slower) implementations.");
            }
        }
        details.put("nd4jBackend", env.getProperty("backend"));
        details.put("blasVendor", String.valueOf(env.get("blas.vendor")));
        details.put("ompThreads", env.get("omp.threads"));
        current = new BackendInfo(build, choice.backend(), variant, helpers, cpu, choice.gpus(), choice.fallback(),
                choice.cuda() == null ? Map.of() : choice.cuda().versions(), details);
        return current;
    }

    /** Sets a variable of this process's C environment unless the user exported it; returns what is in effect. */
    static String setUnlessUserSet(String name, String value) {
        String existing = System.getenv(name);
        if (existing != null) return existing + " (from environment)";
        String problem = NativeEnvironment.set(name, value);
        return problem == null ? value : "unset (" + problem + ")";
    }

    /**
     * Shows CUDA only the chosen GPUs. A user's CUDA_VISIBLE_DEVICES has already narrowed the choice
     * (GpuGuard); it is replaced by the chosen subset and recorded. UUID or MIG entries are left alone.
     */
    static String selectDevices(List<GpuDevice> gpus) {
        String existing = System.getenv("CUDA_VISIBLE_DEVICES");
        String indices = String.join(",", gpus.stream().map(g -> Integer.toString(g.index())).toList());
        if (existing != null && !existing.strip().matches("\\d+(\\s*,\\s*\\d+)*")) return existing + " (from environment)";
        String problem = NativeEnvironment.set("CUDA_VISIBLE_DEVICES", indices);
        String from = existing != null ? " (of CUDA_VISIBLE_DEVICES=" + existing + " from environment)" : "";
        return (problem == null ? indices : "unset (" + problem + ")") + from;
    }

    static String chooseCudaVariant() {
        String cudnn = PLATFORM + "-cudnn";
        if (Backends.class.getClassLoader().getResource("org/nd4j/linalg/jcublas/bindings/" + cudnn + "/") == null
                && Backends.class.getClassLoader().getResource("org/nd4j/linalg/jcublas/bindings/" + cudnn + "/libnd4jcuda.so") == null) {
            throw new BackendException("The nd4j-cuda-11.6 natives (" + cudnn + ") are not on the classpath.",
                    "Build with mvn -Pcuda -DskipTests package, which adds them (about 600 MB).");
        }
        return cudnn;
    }

    static String chooseCpuVariant(String requested, CpuInfo cpu) {
        String avx512 = PLATFORM + "-onednn-avx512";
        String generic = PLATFORM + "-onednn";
        String chosen = switch (requested) {
            case "auto" -> cpu.hasAvx512() && nativesPresent(avx512) ? avx512 : generic;
            case "onednn-avx512" -> avx512;
            case "onednn" -> generic;
            default -> throw new BackendException("Unknown CPU native build '" + requested + "'.",
                    "Use one of: auto, onednn, onednn-avx512.");
        };
        if (chosen.equals(avx512) && !cpu.hasAvx512()) {
            // Loading it anyway would die with SIGILL on the first vector instruction.
            throw new BackendException("Native build " + avx512 + " needs AVX-512 (" + String.join(", ", CpuInfo.AVX512_FLAGS)
                    + "), which this CPU (" + cpu.model() + ") lacks.", "Use --cpu-natives auto or onednn.");
        }
        if (!nativesPresent(chosen)) {
            throw new BackendException("Native build " + chosen + " is not on the classpath.",
                    "Rebuild with the cpu profile (mvn package), which bundles both oneDNN builds.");
        }
        return chosen;
    }

    static boolean nativesPresent(String variant) {
        return Backends.class.getClassLoader()
                .getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + variant + "/libnd4jcpu.so") != null;
    }

    static boolean classPresent(String name) {
        try {
            Class.forName(name, false, Backends.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
