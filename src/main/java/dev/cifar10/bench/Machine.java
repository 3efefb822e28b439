package dev.cifar10.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The machine a record was timed on, as the record names it: host name, CPU model, logical cores, operating
 * system (on Linux with its kernel release, which changes speed and which Java and Python report alike; elsewhere
 * the family only, as the two spell versions differently) and, when a GPU did the work, the GPU.
 * Records from {@code bench} and from the PyTorch reference on one machine get the same key.
 */
public record Machine(String host, String cpu, int logicalCores, String os, String gpu) {

    public static Machine of(BenchRecord r) {
        BenchRecord.Host h = r.host();
        return new Machine(Objects.toString(h.name(), "unknown host"), Objects.toString(h.cpuModel(), "unknown CPU"), h.logicalCores(),
                os(h.os()), r.gpu() == null ? null : r.gpu().name());
    }

    /** "Linux 6.1.0-18-amd64 amd64" (Java) and "Linux 6.1.0-18-amd64 x86_64" (Python) both become "Linux 6.1.0-18-amd64 x86_64". */
    static String os(String recorded) {
        if (recorded == null || recorded.isBlank()) return "unknown OS";
        List<String> words = new ArrayList<>(List.of(recorded.strip().split("\\s+")));
        String arch = words.size() > 1 ? arch(words.get(words.size() - 1)) : null;
        if (arch != null) words.remove(words.size() - 1);
        String family = words.get(0);
        String os;
        if (family.equalsIgnoreCase("Linux")) {
            os = String.join(" ", words);
        } else if (family.equalsIgnoreCase("Darwin") || recorded.toLowerCase(Locale.ROOT).startsWith("mac")) {
            os = "macOS";
        } else if (family.toLowerCase(Locale.ROOT).startsWith("windows")) {
            os = "Windows";
        } else {
            os = family;
        }
        return arch == null ? os : os + " " + arch;
    }

    private static String arch(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
    }

    /** Everything the key holds: "vm: AMD EPYC, 2 logical cores, Linux 6.1.0 x86_64, GPU NVIDIA RTX A4000". */
    public String describe() {
        return host + ": " + cpu + ", " + logicalCores + " logical cores, " + os + (gpu == null ? "" : ", GPU " + gpu);
    }

    /**
     * Short names for a set of machines: the host name, and in brackets what tells apart machines of the same
     * host name (CPU, cores, OS, GPU).
     */
    static Map<Machine, String> names(Collection<Machine> machines) {
        Map<Machine, String> names = new LinkedHashMap<>();
        for (Machine m : machines) {
            List<Machine> sameHost = machines.stream().filter(o -> o.host.equals(m.host)).toList();
            List<String> differences = new ArrayList<>();
            if (sameHost.stream().map(Machine::cpu).distinct().count() > 1) differences.add(m.cpu);
            if (sameHost.stream().map(Machine::logicalCores).distinct().count() > 1) differences.add(m.logicalCores + " cores");
            if (sameHost.stream().map(Machine::os).distinct().count() > 1) differences.add(m.os);
            if (sameHost.stream().map(Machine::gpu).distinct().count() > 1) differences.add(m.gpu == null ? "CPU" : m.gpu);
            names.put(m, differences.isEmpty() ? m.host : m.host + " (" + String.join(", ", differences) + ")");
        }
        return names;
    }
}
