package dev.cifar10.backend;

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
 * {@link Nd4j}: the native library is chosen while ND4J loads and cannot change afterwards.
 *
 * <p>The backend itself is chosen at build time by the Maven profile ({@code cpu} or {@code cuda}),
 * which decides whether nd4j-native or nd4j-cuda is on the classpath; this class only reads which.
 */
public final class Backends {
    public static final String JAVACPP_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    static final String CPU_BACKEND_CLASS = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
    static final String PLATFORM = "linux-x86_64";

    private static BackendInfo current;

    private Backends() {
    }

    /** Which backend jar this build carries: "cpu" or "cuda". */
    public static String buildBackend() {
        if (classPresent(CUDA_BACKEND_CLASS)) return "cuda";
        if (classPresent(CPU_BACKEND_CLASS)) return "cpu";
        throw new BackendException("Neither nd4j-native nor nd4j-cuda is on the classpath.",
                "Build with a backend profile: mvn package (cpu, the default) or mvn -Pcuda package.");
    }

    /** Chooses the natives, checks the GPU, loads ND4J and engages the helpers; idempotent. */
    public static synchronized BackendInfo initialise(BackendOptions options) {
        if (current != null) return current;
        CpuInfo cpu = CpuInfo.detect();
        String backend = buildBackend();
        List<GpuDevice> gpus = List.of();
        String variant;
        Map<String, Object> details = new LinkedHashMap<>();
        if (backend.equals("cuda")) {
            gpus = GpuGuard.choose(NvidiaSmi.query(), options.device()); // before CUDA initialises: fail early and clearly
            variant = chooseCudaVariant();
            details.put("cudaVisibleDevices", selectDevices(gpus));
            System.setProperty(CudnnHelpers.ENABLED_PROPERTY, Boolean.toString(options.helpers()));
        } else {
            variant = chooseCpuVariant(options.cpuNatives(), cpu);
        }
        System.setProperty(JAVACPP_EXTENSION_PROPERTY, variant.substring(PLATFORM.length()));
        details.put("openMp", OpenMpSettings.apply());
        // DL4J M2.1 ships with all layer helpers disabled by default (DL4JSystemProperties).
        System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, Boolean.toString(!options.helpers()));

        Nd4j.getBackend(); // loads the native library chosen above
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        if (options.maxDeviceMemoryMiB() > 0) Nd4j.getEnvironment().setMaxDeviceMemory(options.maxDeviceMemoryMiB() << 20);
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String helpers = "off";
        if (options.helpers()) {
            if (backend.equals("cuda")) {
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
        current = new BackendInfo(backend, variant, helpers, cpu, gpus, details);
        return current;
    }

    /** Shows CUDA only the chosen GPUs, unless the user already chose with CUDA_VISIBLE_DEVICES. */
    static String selectDevices(List<GpuDevice> gpus) {
        String existing = System.getenv("CUDA_VISIBLE_DEVICES");
        if (existing != null) return existing + " (from environment)";
        String indices = String.join(",", gpus.stream().map(g -> Integer.toString(g.index())).toList());
        String problem = NativeEnvironment.set("CUDA_VISIBLE_DEVICES", indices);
        return problem == null ? indices : "unset (" + problem + ")";
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
