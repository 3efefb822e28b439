package dev.cifar10.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Decides, before ND4J's CUDA backend loads, whether this machine's GPUs can run the {@code cuda}
 * build, and which GPUs to use. A GPU outside what the natives were compiled for would otherwise
 * fail deep inside the first kernel launch with an unhelpful CUDA error.
 *
 * <p>nd4j-cuda-11.6 1.0.0-M2.1's Linux natives hold machine code for sm_37 to sm_86 and no PTX:
 * they run on compute capability 3.7 (K80) up to 8.9 (Ada, which runs sm_86 code), never on 9.0
 * (Hopper) or newer, and not on 3.5 or older.
 *
 * <p>Driver floor: CUDA 11 "minor version compatibility" (NVIDIA's CUDA Compatibility guide,
 * docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html): an application
 * built with any CUDA 11.x toolkit runs, with a limited feature set, on a Linux driver of
 * 450.80.02 or newer. Its main limit, no JIT of newer PTX, does not apply: these natives carry no PTX.
 * So R450 to R470 (the K80's last branch) are accepted, not only CUDA 11.6's own 510.39.01.
 */
public final class GpuGuard {
    static final double MIN_CAPABILITY = 3.7, MAX_CAPABILITY = 8.9;
    /** The oldest Linux driver that runs CUDA 11.x applications (minor version compatibility). */
    static final String MIN_DRIVER = "450.80.02";
    static final String CPU_REMEDY = "Or train on the CPU: --backend cpu (this build carries both).";

    private GpuGuard() {
    }

    /**
     * @param device      "auto", "all" or a GPU index (as nvidia-smi numbers them)
     * @param workers     the requested trainers: with device auto, N > 1 uses up to N supported GPUs
     * @param userVisible the user's CUDA_VISIBLE_DEVICES, or null
     * @return the GPUs to train on
     * @throws BackendException what was found, why it cannot run, what to do
     */
    public static List<GpuDevice> choose(NvidiaSmi.Answer answer, String device, int workers, String userVisible) {
        List<GpuDevice> visible = visible(devices(answer), userVisible);
        String found = visible.stream().map(GpuDevice::describe).collect(Collectors.joining("; "));
        if (!device.equals(BackendOptions.AUTO) && !device.equals(BackendOptions.ALL_DEVICES)) {
            int index = Integer.parseInt(device);
            GpuDevice chosen = visible.stream().filter(d -> d.index() == index).findFirst()
                    .orElseThrow(() -> new BackendException("GPU " + index + " (--device) is not "
                            + (userVisible != null ? "among CUDA_VISIBLE_DEVICES=" + userVisible : "on this machine") + ". Found: " + found + ".",
                            "Pass --device with one of the indices above."));
            String problem = problem(chosen);
            if (problem != null) throw new BackendException(problem, remedy(visible));
            return List.of(chosen);
        }
        List<GpuDevice> supported = visible.stream().filter(d -> problem(d) == null).toList();
        if (supported.isEmpty()) {
            throw new BackendException(problem(visible.get(0)) + (visible.size() > 1 ? " No other GPU is supported either. Found: " + found + "." : ""),
                    "The cuda build runs on compute capability " + MIN_CAPABILITY + " to " + MAX_CAPABILITY
                            + " (Kepler K80, Maxwell, Pascal, Volta, Turing, Ampere, Ada) with driver " + MIN_DRIVER + " or newer. " + CPU_REMEDY);
        }
        if (device.equals(BackendOptions.ALL_DEVICES)) return supported;
        // the notebook's recipe is one GPU; several only when asked for with --workers N (or --device all)
        return supported.subList(0, Math.max(1, Math.min(workers, supported.size())));
    }

    /** Every GPU the driver lists, with "supported" or why not (the doctor command); throws when there is none. */
    public static Map<GpuDevice, String> verdicts(NvidiaSmi.Answer answer) {
        Map<GpuDevice, String> verdicts = new LinkedHashMap<>();
        for (GpuDevice d : devices(answer)) {
            String problem = problem(d);
            verdicts.put(d, problem == null ? "supported" : "not supported: " + problem.substring(d.describe().length() + 2));
        }
        return verdicts;
    }

    /** The GPUs nvidia-smi lists, or why there are none. */
    static List<GpuDevice> devices(NvidiaSmi.Answer answer) {
        if (!answer.found()) {
            throw new BackendException("No NVIDIA driver was found (nvidia-smi is not installed or not on PATH).",
                    "On a GPU machine: install the NVIDIA driver (" + MIN_DRIVER + " or newer); in Docker: docker run --gpus all ... " + CPU_REMEDY);
        }
        if (answer.exitCode() != 0) {
            throw new BackendException("nvidia-smi " + (answer.timedOut() ? "" : "failed (exit " + answer.exitCode() + "): ") + answer.output().strip(),
                    "Check that the NVIDIA driver is loaded (nvidia-smi alone should list the GPUs; in Docker: docker run --gpus all ...). " + CPU_REMEDY);
        }
        List<GpuDevice> devices;
        try {
            devices = NvidiaSmi.parse(answer.output());
        } catch (IllegalArgumentException e) {
            throw new BackendException("Cannot read nvidia-smi's answer: " + e.getMessage(), CPU_REMEDY);
        }
        if (devices.isEmpty()) throw new BackendException("The NVIDIA driver reports no GPU.", CPU_REMEDY);
        return devices;
    }

    /**
     * The GPUs a user's CUDA_VISIBLE_DEVICES leaves, in its order. Only indices can be matched to
     * nvidia-smi's list; UUIDs or MIG names are left to CUDA and every GPU is checked.
     */
    static List<GpuDevice> visible(List<GpuDevice> devices, String userVisible) {
        if (userVisible == null || !userVisible.strip().matches("-?\\d+(\\s*,\\s*-?\\d+)*|")) return devices;
        List<GpuDevice> kept = new ArrayList<>();
        for (String index : userVisible.strip().split("\\s*,\\s*")) {
            if (index.isEmpty() || index.startsWith("-")) break; // CUDA stops at the first invalid entry
            devices.stream().filter(d -> d.index() == Integer.parseInt(index)).findFirst().ifPresent(kept::add);
        }
        if (kept.isEmpty()) {
            throw new BackendException("CUDA_VISIBLE_DEVICES=" + userVisible + " hides every GPU. Found: "
                    + devices.stream().map(GpuDevice::describe).collect(Collectors.joining("; ")) + ".",
                    "Unset CUDA_VISIBLE_DEVICES or list GPU indices in it. " + CPU_REMEDY);
        }
        return kept;
    }

    /** Why this GPU cannot run the natives, or null when it can. */
    static String problem(GpuDevice d) {
        if (compareVersions(d.driverVersion(), MIN_DRIVER) < 0) {
            return d.describe() + ": driver " + d.driverVersion() + " is older than " + MIN_DRIVER
                    + ", the oldest that runs CUDA 11.x applications. Update the NVIDIA driver.";
        }
        if (d.computeCapability() == null) {
            return d.describe() + ": the driver did not report the compute capability, so support cannot be checked. Update the NVIDIA driver.";
        }
        double cc;
        try {
            cc = Double.parseDouble(d.computeCapability());
        } catch (NumberFormatException e) {
            return d.describe() + ": unreadable compute capability '" + d.computeCapability() + "'.";
        }
        if (cc > MAX_CAPABILITY) {
            return d.describe() + ": nd4j-cuda-11.6 1.0.0-M2.1 holds machine code for sm_37 to sm_86 and no PTX, "
                    + "so it cannot run on compute capability " + d.computeCapability() + " (Hopper, Blackwell or newer).";
        }
        if (cc < MIN_CAPABILITY) {
            return d.describe() + ": compute capability " + d.computeCapability() + " is older than 3.7, the oldest the "
                    + "nd4j-cuda-11.6 natives were compiled for.";
        }
        return null;
    }

    private static String remedy(List<GpuDevice> devices) {
        String supported = devices.stream().filter(d -> problem(d) == null).map(d -> String.valueOf(d.index()))
                .collect(Collectors.joining(", "));
        return supported.isEmpty() ? CPU_REMEDY : "Pick a supported GPU with --device (" + supported + "). " + CPU_REMEDY;
    }

    /** Compares dotted numeric versions: "535.104.05" > "510.39.01". */
    static int compareVersions(String a, String b) {
        int[] x = Arrays.stream(a.split("\\.")).mapToInt(GpuGuard::parseOrZero).toArray();
        int[] y = Arrays.stream(b.split("\\.")).mapToInt(GpuGuard::parseOrZero).toArray();
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? x[i] : 0, q = i < y.length ? y[i] : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }

    private static int parseOrZero(String s) {
        try {
            return Integer.parseInt(s.replaceAll("\\D.*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
