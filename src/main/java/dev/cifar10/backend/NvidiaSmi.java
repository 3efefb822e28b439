package dev.cifar10.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Asks the NVIDIA driver, through nvidia-smi, which GPUs this machine has. Nothing here touches CUDA itself. */
public final class NvidiaSmi {
    static final String FIELDS = "index,name,memory.total,compute_cap,driver_version";

    private NvidiaSmi() {
    }

    /** What nvidia-smi said: its exit code and output, or {@code found == false} when it is not installed. */
    public record Answer(boolean found, int exitCode, String output) {
    }

    public static Answer query() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=" + FIELDS, "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Answer(true, -1, "nvidia-smi did not answer within 30 s");
            }
            return new Answer(true, p.exitValue(), out);
        } catch (IOException e) {
            return new Answer(false, -1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(true, -1, "interrupted");
        }
    }

    /** Parses {@code index, name, memory MiB, compute capability, driver} lines. */
    public static List<GpuDevice> parse(String csv) {
        List<GpuDevice> devices = new ArrayList<>();
        for (String line : csv.strip().split("\\R")) {
            if (line.isBlank()) continue;
            String[] f = line.split(",");
            if (f.length < 5) throw new IllegalArgumentException("unexpected nvidia-smi line: " + line);
            String cc = f[3].trim();
            devices.add(new GpuDevice(Integer.parseInt(f[0].trim()), f[1].trim(), parseLong(f[2].trim()),
                    cc.isEmpty() || cc.startsWith("[") ? null : cc, f[4].trim()));
        }
        return devices;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
