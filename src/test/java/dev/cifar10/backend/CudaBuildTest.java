package dev.cifar10.backend;

import dev.cifar10.SampleData;
import dev.cifar10.run.RunRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged cuda build (target/cifar10-dl4j.jar with target/lib, from mvn -Pcuda -DskipTests
 * package) run as a user runs it, on this GPU-less machine, behind fake nvidia-smi scripts: it
 * must fall back to the CPU saying why, or end with exit 5 when the user insists, never with a
 * stack trace. Skipped, with the reason, when the packaged jar is not the cuda build (the
 * default mvn verify builds the cpu one; .ci/run packages the cuda build and then runs this class).
 */
class CudaBuildTest {
    static final Path JAR = Path.of("target", "cifar10-dl4j.jar");
    static final String A100 = "0, NVIDIA A100-SXM4-80GB, 81920, 8.0, 535.104.05";
    static final String H100 = "0, NVIDIA H100 80GB HBM3, 81559, 9.0, 550.54.15";

    @TempDir
    Path tmp;

    record Run(int exitCode, String output) {
        void assertClean() {
            assertFalse(output.contains("\tat ") || output.contains("Exception"), "a stack trace:\n" + output);
            assertFalse(output.matches("(?s).*\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(WARN|ERROR).*"), "log noise:\n" + output);
        }
    }

    @BeforeAll
    static void requireTheCudaJar() throws IOException {
        String build = null;
        if (Files.exists(JAR)) {
            try (ZipFile zip = new ZipFile(JAR.toFile()); InputStream in = zip.getInputStream(zip.getEntry("build.properties"))) {
                Properties p = new Properties();
                p.load(in);
                build = p.getProperty("backend");
            }
        }
        assumeTrue("cuda".equals(build), "target/cifar10-dl4j.jar is " + (build == null ? "not built" : "the " + build + " build")
                + ": run mvn -Pcuda -DskipTests package first (.ci/run does)");
    }

    /** A directory holding only a fake nvidia-smi with this script body, for PATH. */
    Path fakeDriver(String name, String body) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path script = dir.resolve("nvidia-smi");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    Run run(Path pathDir, List<String> jvmOptions, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        Path log = tmp.resolve("log-" + System.nanoTime() + ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PATH", pathDir.toString()); // java is started by its full path; nothing else is looked up
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().put("XDG_CACHE_HOME", tmp.resolve("cache").toString()); // doctor's verdicts stay out of the user's cache
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish in 180 s: " + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    Run train(Path pathDir, Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("train", "--profile", "smoke", "--data", SampleData.DIR.toAbsolutePath().toString(),
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return run(pathDir, List.of(), args.toArray(String[]::new));
    }

    static RunRecord.Backend backendOf(Path runDir) {
        return RunRecord.read(runDir).backend();
    }

    @Test
    void noDriverFallsBackToTheCpuAndTrains() throws Exception {
        Path out = tmp.resolve("run");
        Run r = train(Files.createDirectories(tmp.resolve("empty-path")), out);
        assertEquals(0, r.exitCode(), r.output());
        r.assertClean();
        assertTrue(r.output().contains("Fell back to the CPU: No NVIDIA driver was found"), r.output());
        assertTrue(r.output().contains("Layer helpers attached: convolution: 6 MKLDNNConvHelper"), r.output());
        RunRecord.Backend backend = backendOf(out);
        assertEquals("cuda", backend.build());
        assertEquals("cpu", backend.name());
        assertTrue(backend.fallback().contains("No NVIDIA driver"), backend.toString());
        assertEquals(Map.of("convolution", Map.of("MKLDNNConvHelper", 6), "subsampling", Map.of("MKLDNNSubsamplingHelper", 3)),
                backend.attachedHelpers());
        assertTrue(Files.exists(out.resolve("test.json")));
    }

    @Test
    void driverWithoutCudaLibrariesFallsBackNamingLibcudaOrEndsWithExitFive() throws Exception {
        Path driver = fakeDriver("a100", "echo '" + A100 + "'");
        Path out = tmp.resolve("run");
        Run auto = train(driver, out);
        assertEquals(0, auto.exitCode(), auto.output());
        auto.assertClean();
        assertTrue(auto.output().contains("Fell back to the CPU: CUDA library libcuda.so.1 did not load"), auto.output());
        assertTrue(backendOf(out).fallback().contains("libcuda.so.1"));

        Run insist = train(driver, tmp.resolve("insist"), "--device", "0");
        assertEquals(5, insist.exitCode(), insist.output());
        insist.assertClean();
        assertTrue(insist.output().contains("Error: CUDA library libcuda.so.1 did not load"), insist.output());
        for (String fix : List.of("-Pcuda,cuda-redist", "docker run --gpus all", "--device 0 insists")) {
            assertTrue(insist.output().contains(fix), fix + " in " + insist.output());
        }
    }

    @Test
    void hopperIsRefusedByTheGuard() throws Exception {
        Path driver = fakeDriver("h100", "echo '" + H100 + "'");
        Run insist = train(driver, tmp.resolve("insist"), "--backend", "cuda");
        assertEquals(5, insist.exitCode(), insist.output());
        insist.assertClean();
        assertTrue(insist.output().contains("NVIDIA H100 80GB HBM3") && insist.output().contains("cannot run on compute capability 9.0"),
                insist.output());
        Run doctor = run(driver, List.of(), "doctor");
        assertEquals(0, doctor.exitCode(), doctor.output());
        doctor.assertClean();
        assertTrue(doctor.output().contains("GPU 0: NVIDIA H100 80GB HBM3") && doctor.output().contains("not supported"), doctor.output());
        assertTrue(doctor.output().contains("Fell back to the CPU: GPU 0: NVIDIA H100"), doctor.output());
    }

    @Test
    void doctorOnTheCudaBuild() throws Exception {
        Path driver = fakeDriver("a100", "echo '" + A100 + "'");
        Run doctor = run(driver, List.of(), "doctor");
        assertEquals(0, doctor.exitCode(), doctor.output());
        doctor.assertClean();
        for (String line : List.of("Build: cuda", "GPU 0: NVIDIA A100-SXM4-80GB, compute capability 8.0, 81,920 MiB, driver 535.104.05: supported",
                "CUDA libraries: CUDA library libcuda.so.1 did not load", "Fell back to the CPU: CUDA library libcuda.so.1 did not load",
                "checking onednn (oneDNN, through DL4J's helpers) in a process of its own ...",
                "checking built-in (DL4J's built-in im2col + GEMM) in a process of its own ...",
                "Verdict: OK, training runs on cpu with onednn (fell back from CUDA")) {
            assertTrue(doctor.output().contains(line), line + " in:\n" + doctor.output());
        }
        assertEquals(2, doctor.output().split(" ms/step, agrees", -1).length - 1, doctor.output());
        assertTrue(Files.exists(tmp.resolve("cache").resolve("cifar10-dl4j").resolve("conv-path-verdicts.json")), doctor.output());
        Run insist = run(driver, List.of(), "doctor", "--device", "0");
        assertEquals(5, insist.exitCode(), insist.output());
        assertTrue(insist.output().contains("Verdict: the chosen backend cannot run (exit 5)"), insist.output());
    }

    @Test
    void aHungDriverEndsWithExitFiveInsteadOfHanging() throws Exception {
        Path driver = fakeDriver("hung", "/bin/sleep 600"); // PATH holds only the fake: name sleep by its path
        long start = System.nanoTime();
        Run r = run(driver, List.of("-D" + NvidiaSmi.TIMEOUT_PROPERTY + "=2"), "train", "--profile", "smoke", "--data", "synthetic",
                "--out", tmp.resolve("run").toString(), "--device", "0");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(5, r.exitCode(), r.output());
        r.assertClean();
        assertTrue(r.output().contains("nvidia-smi did not answer within 2 s"), r.output());
        assertTrue(seconds < 60, "took " + seconds + " s");
    }
}
