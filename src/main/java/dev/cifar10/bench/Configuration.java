package dev.cifar10.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a benchmark record measured, apart from the machine it ran on: framework and version, device (cpu or cuda,
 * and a cuda build that fell back to the CPU), native build, layer helpers, threads, data type, batch size, warm-up
 * steps, epoch length, kind of data, runtime, and the settings in {@code backend.settings} that change speed
 * (OpenMP variables, workers, evaluation batch, mixed precision, channels-last, CUDA graphs, ...). The label is not
 * part of it, nor the project's build unless asked for ({@code byBuild}), nor the results.
 *
 * @param facets     what the configuration is, each as the text that names it ("2 threads", "batch 32",
 *                   "workers=1"), keyed by facet, in display order; equal facets make equal configurations
 * @param framework  the framework's display name ("DL4J", "PyTorch")
 * @param threads    the record's thread count, null where it has none
 * @param onGpu      whether a GPU did the work (then the host's thread count does not make two rows unlike)
 */
public record Configuration(Map<String, String> facets, String framework, Integer threads, String dataType, int batchSize,
                            int warmupSteps, boolean onGpu) {

    static final String FRAMEWORK = "framework", SETTINGS_NOT_RECORDED = "settings", SETTING = "setting:", NOT_RECORDED = " not recorded";
    /** Facets compared across frameworks; the others (native build, helpers, runtime, build, settings) only within one. */
    private static final List<String> UNIVERSAL = List.of("device", "fallback", "threads", "dataType", "batch", "warmup",
            "imagesPerEpoch", "data");
    private static final List<String> ORDER = List.of(FRAMEWORK, "device", "fallback", "natives", "helpers", "threads", "dataType",
            "batch", "warmup", "imagesPerEpoch", "data", "runtime", "build", SETTINGS_NOT_RECORDED);
    /** OpenMP first (it is what most often tells two runs apart), then by name. */
    private static final Comparator<String> SETTINGS_ORDER = Comparator.comparing((String k) -> !k.equals("openMp")).thenComparing(k -> k);
    /**
     * backend.settings entries that do not change speed, or repeat a field the configuration already has: the thread
     * count (threads), the backend (device), the helpers attached (helpers), where the CUDA libraries were found,
     * which GPU (the machine), how the run was requested, the learning rate, the memory cap's wording; and what a run
     * measured rather than what it was (the PyTorch reference's page faults per image).
     */
    static final Set<String> IGNORED_SETTINGS = Set.of("requested", "physicalMemoryCap", "nd4jBackend", "ompThreads", "threadsRequested",
            "ompNumThreads", "learningRate", "profile", "attachedHelpers", "device", "cudaLibraries", "cudaDeviceOrder",
            "cudaVisibleDevices", "fallback", "minorPageFaultsPerImage");

    public Configuration {
        facets = Collections.unmodifiableMap(new LinkedHashMap<>(facets));
    }

    /** Every facet, in order: "DL4J 1.0.0-M2.1, CPU, natives linux-x86_64-onednn-avx512, helpers oneDNN, 2 threads, ...". */
    public String describe() {
        return String.join(", ", facets.values());
    }

    /** A record that lacks settings other records of its configuration state, and the settings it lacks. */
    public record Completed(int record, Set<String> missing) {
    }

    /** The configuration of every record (same order), and the records whose missing settings were completed. */
    public record Assigned(List<Configuration> perRecord, List<Completed> completed) {
    }

    /**
     * The configuration of each record. A record written before a setting was recorded (a key absent from its
     * {@code backend.settings}, or no settings at all) is counted with the configuration that agrees with it on
     * everything else and on every setting it does record, when exactly one configuration does; otherwise it stays
     * a configuration of its own, named by what it lacks ("workers not recorded").
     *
     * @param byBuild also tell apart project builds (version and commit), for before/after comparisons of the code
     */
    public static Assigned assign(List<BenchRecord> records, boolean byBuild) {
        List<Map<String, String>> cores = new ArrayList<>();
        List<Map<String, String>> settings = new ArrayList<>();
        for (BenchRecord r : records) {
            cores.add(core(r, byBuild));
            settings.add(settings(r.backend().settings()));
        }
        // per core: the settings maps no other map of that core extends (with more keys, equal on the shared ones)
        Map<Map<String, String>, Set<Map<String, String>>> mapsByCore = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            if (settings.get(i) != null) mapsByCore.computeIfAbsent(cores.get(i), k -> new LinkedHashSet<>()).add(settings.get(i));
        }
        List<Configuration> perRecord = new ArrayList<>();
        List<Completed> completed = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Map<String, String> own = settings.get(i);
            Set<Map<String, String>> maps = mapsByCore.getOrDefault(cores.get(i), Set.of());
            Map<String, String> seen = own == null ? Map.of() : own;
            List<Map<String, String>> extensions = maps.stream()
                    .filter(m -> extends_(m, seen) && maps.stream().noneMatch(o -> o != m && extends_(o, m)))
                    .toList();
            Map<String, String> chosen = own;
            if (extensions.size() == 1 && !extensions.get(0).equals(own)) {
                chosen = extensions.get(0);
                Set<String> missing = new java.util.TreeSet<>(chosen.keySet());
                missing.removeAll(seen.keySet());
                completed.add(new Completed(i, missing));
            }
            perRecord.add(of(records.get(i), cores.get(i), chosen));
        }
        return new Assigned(perRecord, completed);
    }

    /** Whether {@code bigger} holds every entry of {@code smaller} and more. */
    private static boolean extends_(Map<String, String> bigger, Map<String, String> smaller) {
        return bigger.size() > smaller.size() && bigger.entrySet().containsAll(smaller.entrySet());
    }

    private static Configuration of(BenchRecord r, Map<String, String> core, Map<String, String> settings) {
        Map<String, String> facets = new LinkedHashMap<>(core);
        if (settings == null) {
            facets.put(SETTINGS_NOT_RECORDED, "settings not recorded");
        } else {
            settings.keySet().stream().sorted(SETTINGS_ORDER).forEach(k -> facets.put(SETTING + k, settings.get(k)));
        }
        return new Configuration(facets, frameworkName(r.framework().name()), r.backend().threads(), r.dataType(), r.batchSize(),
                r.warmupSteps(), r.gpu() != null);
    }

    private static Map<String, String> core(BenchRecord r, boolean byBuild) {
        BenchRecord.Backend b = r.backend();
        Map<String, String> f = new LinkedHashMap<>();
        f.put(FRAMEWORK, frameworkName(r.framework().name()) + " " + r.framework().version());
        f.put("device", Objects.toString(b.name(), "?").toUpperCase(Locale.ROOT));
        if (b.fallback() != null) f.put("fallback", "cuda build on the CPU");
        f.put("natives", "natives " + b.nativeVariant());
        f.put("helpers", "helpers " + b.layerHelpers());
        f.put("threads", b.threads() == null ? "threads not recorded" : b.threads() + (b.threads() == 1 ? " thread" : " threads"));
        f.put("dataType", String.valueOf(r.dataType()));
        f.put("batch", "batch " + r.batchSize());
        f.put("warmup", r.warmupSteps() + " warm-up steps");
        f.put("imagesPerEpoch", r.imagesPerEpoch() + " images an epoch");
        // the two programs word their synthetic data differently; real data lies at a different path on every machine
        f.put("data", r.data() == null ? "data not recorded"
                : r.data().source() != null && r.data().source().startsWith("synthetic") ? "synthetic data" : "CIFAR-10 files");
        if (r.runtime() != null) f.put("runtime", r.runtime());
        if (byBuild && r.project() != null) f.put("build", "build " + r.project().version() + " " + r.project().commit());
        return f;
    }

    /** The settings that change speed, each as "key=value" text, keyed by name; null when the record has none. */
    static Map<String, String> settings(Map<String, Object> recorded) {
        if (recorded == null) return null;
        Map<String, String> s = new TreeMap<>();
        recorded.forEach((k, v) -> {
            if (IGNORED_SETTINGS.contains(k)) return;
            // the convolution path changes speed; why it was chosen (timings of the check) does not
            s.put(k, k.equals("openMp") ? openMp(v) : k.equals("convPath") && v instanceof Map<?, ?> m ? "convPath=" + m.get("path") : k + "=" + text(v));
        });
        return s;
    }

    /**
     * "OMP_PROC_BIND=true GOMP_SPINCOUNT=1000": the standard variables first; "(from environment)" dropped, as the
     * value is what changes speed. No variables set: "OpenMP defaults".
     */
    private static String openMp(Object value) {
        if (!(value instanceof Map<?, ?> vars) || vars.isEmpty()) return value == null || value instanceof Map ? "OpenMP defaults" : "openMp=" + value;
        return vars.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<?, ?> e) -> !String.valueOf(e.getKey()).startsWith("OMP_"))
                        .thenComparing(e -> String.valueOf(e.getKey())))
                .map(e -> e.getKey() + "=" + String.valueOf(e.getValue()).replace(" (from environment)", "").strip())
                .collect(Collectors.joining(" "));
    }

    private static String text(Object v) {
        if (v instanceof Map<?, ?> m) {
            return new TreeMap<>(m.entrySet().stream().collect(Collectors.toMap(e -> String.valueOf(e.getKey()), e -> text(e.getValue()))))
                    .toString();
        }
        return String.valueOf(v);
    }

    static String frameworkName(String recorded) {
        if (recorded == null) return "unknown framework";
        return switch (recorded.toLowerCase(Locale.ROOT)) {
            case "deeplearning4j" -> "DL4J";
            case "pytorch" -> "PyTorch";
            default -> recorded;
        };
    }

    private static boolean universal(String facet) {
        return UNIVERSAL.contains(facet);
    }

    /** The text a configuration shows for a facet; a setting other configurations record and it does not: "k not recorded". */
    private static String shown(Configuration c, String facet) {
        String text = c.facets.get(facet);
        if (text != null) return text;
        return facet.startsWith(SETTING) && !c.facets.containsKey(SETTINGS_NOT_RECORDED)
                ? facet.substring(SETTING.length()) + NOT_RECORDED : "";
    }

    /**
     * Short, unique names: the framework and version, then what sets a configuration apart. A facet appears in a name
     * where it differs between configurations (of the same framework, for framework-specific facets such as settings),
     * except that among three or more configurations the value most of them share is left out: it is the usual one,
     * and every configuration's full {@link #describe description} has it. A setting some records lack ("not
     * recorded") does not count as a difference unless the others differ in it too.
     */
    public static Map<Configuration, String> names(List<Configuration> configurations) {
        Map<Configuration, String> names = names(configurations, true);
        if (new HashSet<>(names.values()).size() < names.size()) names = names(configurations, false); // every difference, then
        return names;
    }

    private static Map<Configuration, String> names(List<Configuration> configurations, boolean shortest) {
        List<String> facets = facetOrder(configurations);
        Map<Configuration, String> names = new LinkedHashMap<>();
        for (Configuration c : configurations) {
            List<String> parts = new ArrayList<>(List.of(c.facets.get(FRAMEWORK)));
            for (String facet : facets) {
                if (facet.equals(FRAMEWORK)) continue;
                List<Configuration> scope = universal(facet) ? configurations
                        : configurations.stream().filter(o -> o.framework.equals(c.framework)).toList();
                Map<String, Long> counts = scope.stream().collect(Collectors.groupingBy(o -> shown(o, facet), LinkedHashMap::new,
                        Collectors.counting()));
                long known = counts.keySet().stream().filter(v -> !(shortest && v.endsWith(NOT_RECORDED))).count();
                if (counts.size() < 2 || known < 2 && shortest) continue;
                String mine = shown(c, facet);
                boolean usual = shortest && scope.size() >= 3 && counts.get(mine) * 2 > scope.size();
                if (!mine.isEmpty() && !usual) parts.add(mine);
            }
            names.put(c, String.join(", ", parts));
        }
        return names;
    }

    /** The facets every configuration shares (device, threads, data type, batch, ...), as text; empty for none. */
    public static List<String> common(List<Configuration> configurations) {
        List<String> common = new ArrayList<>();
        for (String facet : UNIVERSAL) {
            Set<String> values = configurations.stream().map(c -> shown(c, facet)).collect(Collectors.toSet());
            if (values.size() == 1 && !values.iterator().next().isEmpty()) common.add(values.iterator().next());
        }
        return common;
    }

    private static List<String> facetOrder(List<Configuration> configurations) {
        List<String> order = new ArrayList<>(ORDER);
        configurations.stream().flatMap(c -> c.facets.keySet().stream()).filter(f -> f.startsWith(SETTING)).distinct()
                .map(f -> f.substring(SETTING.length())).sorted(SETTINGS_ORDER).forEach(k -> order.add(SETTING + k));
        return order;
    }
}
