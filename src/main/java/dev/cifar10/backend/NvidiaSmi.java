package dev.cifar10.backend;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Asks the NVIDIA driver, through nvidia-smi, which GPUs this machine has. Nothing here touches CUDA itself. */
public final class NvidiaSmi {
    static final String FIELDS = "index,name,memory.total,compute_cap,driver_version";
    /** A healthy driver answers in well under a second; a hung one (a GPU fallen off the bus) never does. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Overrides {@link #TIMEOUT}, in seconds (tests). */
    static final String TIMEOUT_PROPERTY = "cifar10.nvidia-smi.timeout-seconds";

    private NvidiaSmi() {
    }

    /**
     * What nvidia-smi said: its exit code and output, or {@code found == false} when it is not installed.
     * A run that did not finish in time has exit code -1, {@code timedOut} and a message as output.
     */
    public record Answer(boolean found, int exitCode, String output, boolean timedOut) {
        public Answer(boolean found, int exitCode, String output) {
            this(found, exitCode, output, false);
        }
    }

    public static Answer query() {
        long seconds = Long.getLong(TIMEOUT_PROPERTY, TIMEOUT.toSeconds());
        return query("nvidia-smi", Duration.ofSeconds(seconds));
    }

    static Answer query(String command, Duration timeout) {
        File output = null;
        try {
            // into a file, not a pipe: a hung nvidia-smi (or a child it left behind) would hold a pipe open forever
            output = File.createTempFile("nvidia-smi", ".txt");
            Process p = new ProcessBuilder(command, "--query-gpu=" + FIELDS, "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).redirectOutput(output).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Answer(true, -1, "did not answer within " + timeout.toSeconds() + " s (the NVIDIA driver may be hung)", true);
            }
            return new Answer(true, p.exitValue(), Files.readString(output.toPath(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Answer(false, -1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(true, -1, "interrupted");
        } finally {
            if (output != null && !output.delete()) output.deleteOnExit();
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
