package dev.cifar10.backend.paths;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.backend.BackendInfo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Checks each convolution path in a JVM of its own ({@code check-path}, a hidden command), one after the other: a path
 * that crashes the process (a CUDA fault, a native abort) or hangs takes only its own JVM down, and is reported as such.
 * The child prints one line, {@value #RESULT_PREFIX}{@code {json}}, with the {@link PathResult}.
 */
public final class PathCheck {
    public static final String RESULT_PREFIX = "PATH-CHECK ";
    /** The class whose main the children run; tests name another to fake a crash. */
    public static final String MAIN_PROPERTY = "cifar10.path-check.main";
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What every child is told: the backend the parent runs on, and how many training steps to time.
     */
    public record Target(String backend, String device, String cpuNatives, int steps) {
        /** The default number of timed steps: enough for a stable median on a GPU, a few seconds on a CPU. */
        public static final int STEPS = 30;

        /** What the children of a process on {@code backend} are told: its backend, and its GPU by nvidia-smi's index (auto on the CPU). */
        public static Target of(BackendInfo backend, String cpuNatives, int steps) {
            return new Target(backend.backend(), backend.gpu() == null ? "auto" : Integer.toString(backend.gpu().index()), cpuNatives, steps);
        }
    }

    private PathCheck() {
    }

    /** Checks {@code paths} one by one, saying so on {@code console}; the verdict for {@code machine}. */
    public static Verdict run(List<ConvPath> paths, Target target, Verdict.Machine machine, PrintWriter console) {
        List<PathResult> results = new ArrayList<>();
        for (ConvPath path : paths) {
            console.printf("  checking %s (%s) in a process of its own ... ", path.key(), path.description());
            console.flush();
            PathResult r = runChild(path, target);
            console.println(r.error() != null ? r.error() : String.format(java.util.Locale.ROOT, "%.1f ms/step, %s", r.msPerStep(),
                    r.agrees() ? "agrees" : "DISAGREES with the built-in layers"));
            results.add(r);
        }
        return new Verdict(machine, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), results);
    }

    static PathResult runChild(ConvPath path, Target target) {
        Path log;
        try {
            log = Files.createTempFile("cifar10-check-" + path.key() + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Process p = new ProcessBuilder(command(path, target)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                return PathResult.failed(path.key(), "timed out after " + TIMEOUT.toMinutes() + " minutes (log: " + log + ")");
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            for (String line : lines) {
                if (line.startsWith(RESULT_PREFIX) && p.exitValue() == 0) {
                    Files.deleteIfExists(log);
                    return JSON.readValue(line.substring(RESULT_PREFIX.length()), PathResult.class);
                }
            }
            String last = lines.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("no output");
            return PathResult.failed(path.key(), describeExit(p.exitValue()) + ": " + last.strip() + " (log: " + log + ")");
        } catch (IOException e) {
            return PathResult.failed(path.key(), "could not start its process: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PathResult.failed(path.key(), "interrupted");
        }
    }

    static String describeExit(int code) {
        if (code > 128) return "crashed (exit " + code + ", signal " + (code - 128) + ")";
        return "failed (exit " + code + ")";
    }

    /** The child's command line: this JVM's java, heap limit and classpath. */
    static List<String> command(ConvPath path, Target target) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + Math.max(512, Runtime.getRuntime().maxMemory() >> 20) + "m");
        String maxBytes = System.getProperty("org.bytedeco.javacpp.maxbytes");
        if (maxBytes != null) command.add("-Dorg.bytedeco.javacpp.maxbytes=" + maxBytes);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(System.getProperty(MAIN_PROPERTY, "dev.cifar10.cli.Main"));
        command.addAll(List.of("check-path", "--conv-path", path.key(), "--backend", target.backend(), "--device", target.device(),
                "--cpu-natives", target.cpuNatives(), "--steps", Integer.toString(target.steps()),
                "--warmup-steps", Integer.toString(Math.max(2, target.steps() / 3))));
        return command;
    }
}
