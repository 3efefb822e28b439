package dev.cifar10.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The shared libraries this process has actually loaded, from its memory map (Linux): evidence, not configuration. */
public final class LoadedLibraries {
    /** ND4J's natives and what they bring: libnd4j, OpenBLAS, OpenMP, CUDA, cuDNN. */
    public static final String NATIVE_STACK = "lib(jni)?(nd4j\\w*|openblas\\w*|gomp|cuda|cudart|cublas\\w*|cusolver|cudnn\\w*)\\.so.*";

    private LoadedLibraries() {
    }

    /** File name to path, for the loaded libraries whose file name matches {@code regex}; empty where /proc is not readable. */
    public static Map<String, String> matching(String regex) {
        Map<String, String> paths = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) continue;
                String path = line.substring(slash).replace(" (deleted)", "");
                String name = Path.of(path).getFileName().toString();
                if (name.matches(regex)) paths.putIfAbsent(name, path);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: nothing to report
        }
        return paths;
    }
}
