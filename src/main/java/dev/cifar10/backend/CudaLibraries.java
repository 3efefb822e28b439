package dev.cifar10.backend;

import org.bytedeco.javacpp.Loader;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads CUDA's libraries the way ND4J's CUDA backend will, but first and on its own terms: ND4J's own
 * check ({@code JCublasBackend.canRun}) throws an {@link UnsatisfiedLinkError} with a stack trace
 * when one is missing. Loading them here names the library that did not load, so the run can fall
 * back to the CPU or end with a clear message. Also reads the versions that actually loaded.
 *
 * <p>The classes are JavaCPP's CUDA presets (org.bytedeco:cuda, in the cuda build only), reached
 * by name because the cpu build does not carry them.
 */
public record CudaLibraries(String failedLibrary, String problem, Map<String, String> versions, Map<String, String> paths) {
    /** Each preset, and the library it needs that a machine most often lacks (named when the loader does not name one). */
    static final List<List<String>> PRESETS = List.of(
            List.of("org.bytedeco.cuda.global.cudart", "libcudart.so.11.0"),
            List.of("org.bytedeco.cuda.global.cublas", "libcublas.so.11"),
            List.of("org.bytedeco.cuda.global.cusolver", "libcusolver.so.11"),
            List.of("org.bytedeco.cuda.global.cudnn", "libcudnn.so.8"));
    private static final Pattern MISSING = Pattern.compile("(lib[\\w+.-]+?\\.so[.\\d]*): cannot open shared object file");
    static final String REMEDY = "Install CUDA 11.6 with cuDNN 8.3 (libcudart.so.11.0, libcublas.so.11, libcusolver.so.11, libcudnn.so.8), "
            + "or rebuild with the libraries bundled: mvn -Pcuda,cuda-redist -DskipTests package. libcuda.so.1 comes with the NVIDIA driver; "
            + "in Docker start the container with docker run --gpus all.";

    public boolean loaded() {
        return problem == null;
    }

    private static CudaLibraries probed;

    /**
     * Loads the presets in dependency order and asks CUDA how many GPUs it sees; once per process
     * (a class whose natives failed cannot be loaded again, so a second try would only hide the cause). Never throws.
     */
    public static synchronized CudaLibraries probe() {
        if (probed == null) probed = load();
        return probed;
    }

    private static CudaLibraries load() {
        ClassLoader loader = CudaLibraries.class.getClassLoader();
        Map<String, String> versions = new LinkedHashMap<>();
        for (List<String> preset : PRESETS) {
            try {
                Loader.load(Class.forName(preset.get(0), false, loader));
            } catch (ClassNotFoundException e) {
                return failure(null, "This build does not carry JavaCPP's CUDA presets (" + preset.get(0) + ").", versions);
            } catch (Throwable e) { // UnsatisfiedLinkError, or the NoClassDefFoundError of a preset whose natives failed before
                String library = missingLibrary(e, preset.get(1));
                return failure(library, "CUDA library " + library + " did not load (" + rootMessage(e) + ").", versions);
            }
        }
        try {
            Class<?> cudart = Class.forName(PRESETS.get(0).get(0), true, loader);
            int[] value = new int[1];
            if (call(cudart, "cudaDriverGetVersion", value) == 0) versions.put("cudaDriver", cudaVersion(value[0]));
            if (call(cudart, "cudaRuntimeGetVersion", value) == 0) versions.put("cudaRuntime", cudaVersion(value[0]));
            Class<?> cudnn = Class.forName(PRESETS.get(3).get(0), true, loader);
            versions.put("cudnn", cudnnVersion(((Number) cudnn.getMethod("cudnnGetVersion").invoke(null)).longValue()));
            int error = call(cudart, "cudaGetDeviceCount", value);
            if (error != 0 || value[0] < 1) {
                String why = error != 0 ? "error " + error + ": " + cudart.getMethod("cudaGetErrorString", int.class).invoke(null, error) : "no device";
                return failure(null, "CUDA's libraries loaded but CUDA sees no usable GPU (cudaGetDeviceCount: " + why + ").", versions);
            }
            versions.put("cudaDevices", Integer.toString(value[0]));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return failure(null, "CUDA's libraries loaded but do not answer (" + rootMessage(e) + ").", versions);
        }
        return new CudaLibraries(null, null, versions, loadedPaths());
    }

    private static CudaLibraries failure(String library, String problem, Map<String, String> versions) {
        return new CudaLibraries(library, problem, versions, loadedPaths());
    }

    private static int call(Class<?> cudart, String function, int[] out) throws ReflectiveOperationException {
        return ((Number) cudart.getMethod(function, int[].class).invoke(null, (Object) out)).intValue();
    }

    /** The library the dynamic loader could not find, from the error chain, else {@code expected}. */
    static String missingLibrary(Throwable e, String expected) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            Matcher m = MISSING.matcher(String.valueOf(t.getMessage()));
            if (m.find()) return m.group(1);
        }
        return expected;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        String message = String.valueOf(root.getMessage());
        Matcher m = MISSING.matcher(message);
        return m.find() ? m.group() : message;
    }

    /** 11060 means 11.6. */
    static String cudaVersion(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }

    /** cuDNN 8 encodes 8.3.2 as 8302. */
    static String cudnnVersion(long v) {
        return v / 1000 + "." + (v % 1000) / 100 + "." + v % 100;
    }

    /** Where CUDA's libraries were loaded from. */
    static Map<String, String> loadedPaths() {
        return LoadedLibraries.matching("lib(cuda|cudart|cublas|cublasLt|cusolver|cudnn)\\.so.*");
    }
}
