package dev.cifar10.backend;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Decides, before ND4J's CUDA backend loads, whether this machine can run the {@code cuda} build,
 * and which GPU to use. A GPU outside what the natives were compiled for would otherwise fail
 * deep inside the first kernel launch with an unhelpful CUDA error.
 *
 * <p>nd4j-cuda-11.6 1.0.0-M2.1's Linux natives hold machine code for sm_37 to sm_86 and no PTX:
 * they run on compute capability 3.7 (K80) up to 8.9 (Ada, which runs sm_86 code), never on 9.0
 * (Hopper) or newer, and not on 3.5 or older. They need a driver for CUDA 11.6 or newer.
 */
public final class GpuGuard {
    static final double MIN_CAPABILITY = 3.7, MAX_CAPABILITY = 8.9;
    /** The oldest Linux driver of CUDA 11.6 (its release notes, table 3). */
    static final String MIN_DRIVER = "510.39.01";
    static final String CPU_REMEDY = "Train on the CPU instead: build without -Pcuda (mvn -DskipTests package) and run the same command.";

    private GpuGuard() {
    }

    /**
     * @param requested the --device index, or -1 for every supported GPU
     * @return the GPUs to train on (one worker each by default)
     * @throws BackendException what was found, why it cannot run, what to do
     */
    public static List<GpuDevice> choose(NvidiaSmi.Answer answer, int requested) {
        if (!answer.found()) {
            throw new BackendException("This is the cuda build, but no NVIDIA driver was found (nvidia-smi is not installed or not on PATH).",
                    "Install the NVIDIA driver (510.39.01 or newer) on a machine with a supported GPU, or: " + CPU_REMEDY);
        }
        if (answer.exitCode() != 0) {
            throw new BackendException("nvidia-smi failed (exit " + answer.exitCode() + "): " + answer.output().strip(),
                    "Check that the NVIDIA driver is loaded (in Docker: docker run --gpus all ...), or: " + CPU_REMEDY);
        }
        List<GpuDevice> devices;
        try {
            devices = NvidiaSmi.parse(answer.output());
        } catch (IllegalArgumentException e) {
            throw new BackendException("Cannot read nvidia-smi's answer: " + e.getMessage(), CPU_REMEDY);
        }
        if (devices.isEmpty()) {
            throw new BackendException("The NVIDIA driver reports no GPU.", CPU_REMEDY);
        }
        String found = devices.stream().map(GpuDevice::describe).collect(Collectors.joining("; "));
        if (requested >= 0) {
            GpuDevice device = devices.stream().filter(d -> d.index() == requested).findFirst()
                    .orElseThrow(() -> new BackendException("--device " + requested + " does not exist. Found: " + found + ".",
                            "Pass --device with one of the indices above."));
            String problem = problem(device);
            if (problem != null) throw new BackendException(problem, remedy(devices));
            return List.of(device);
        }
        List<GpuDevice> supported = devices.stream().filter(d -> problem(d) == null).toList();
        if (!supported.isEmpty()) return supported;
        throw new BackendException(problem(devices.get(0)) + (devices.size() > 1 ? " No other GPU is supported either. Found: " + found + "." : ""),
                CPU_REMEDY + " Supported GPUs: compute capability " + MIN_CAPABILITY + " to " + MAX_CAPABILITY
                        + " (Kepler K80, Maxwell, Pascal, Volta, Turing, Ampere, Ada).");
    }

    /** Why this GPU cannot run the natives, or null when it can. */
    static String problem(GpuDevice d) {
        if (compareVersions(d.driverVersion(), MIN_DRIVER) < 0) {
            return d.describe() + ": driver " + d.driverVersion() + " is older than " + MIN_DRIVER
                    + ", the first driver for CUDA 11.6, which nd4j-cuda-11.6 needs. Update the NVIDIA driver.";
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
        return supported.isEmpty() ? CPU_REMEDY : "Pick a supported GPU with --device (" + supported + "), or: " + CPU_REMEDY;
    }

    /** Compares dotted numeric versions: "535.104.05" > "510.39.01". */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? parseOrZero(x[i]) : 0, q = i < y.length ? parseOrZero(y[i]) : 0;
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
