package dev.cifar10.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What the host CPU is and which instruction sets it offers, read from /proc/cpuinfo on Linux. */
public record CpuInfo(String model, int logicalCores, Set<String> flags) {

    /** The AVX-512 subsets libnd4j's {@code -avx512} builds are compiled for (-mavx512f/cd/bw/dq/vl). */
    static final List<String> AVX512_FLAGS = List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

    public static CpuInfo detect() {
        return fromCpuinfo(Path.of("/proc/cpuinfo"));
    }

    static CpuInfo fromCpuinfo(Path cpuinfo) {
        int cores = Runtime.getRuntime().availableProcessors();
        String model = System.getProperty("os.arch");
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) continue;
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals(System.getProperty("os.arch"))) model = value;
                if (key.equals("flags") && flags.isEmpty()) flags.addAll(Arrays.asList(value.split("\\s+")));
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc hidden: no flags means the generic (non AVX-512) natives, which is always safe.
        }
        return new CpuInfo(model, cores, Set.copyOf(flags));
    }

    public boolean hasAvx512() {
        return flags.containsAll(AVX512_FLAGS);
    }
}
