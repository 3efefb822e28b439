package dev.cifar10.backend.paths;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.CpuInfo;
import dev.cifar10.backend.GpuDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/** How a run picks its convolution path: on a CUDA machine (described, not needed) and on the CPU. */
class ConvPathsTest {
    static final CpuInfo CPU = new CpuInfo("Test CPU", 16, Set.of("avx2"));
    static final BackendInfo RTX = new BackendInfo("cuda", "cuda", "linux-x86_64-cudnn", "cuDNN", CPU,
            List.of(new GpuDevice(0, "NVIDIA GeForce RTX 3090", 24576, "8.6", "550.54.14")), null,
            Map.of("cudaRuntime", "11.6", "cudnn", "8.3.2"), Map.of());
    static final BackendInfo ON_CPU = new BackendInfo("cpu", "cpu", "linux-x86_64-onednn", "oneDNN", CPU, List.of(), null, Map.of(), Map.of());

    final StringWriter console = new StringWriter();
    final PrintWriter out = new PrintWriter(console, true);

    static Verdict verdict(BackendInfo b, PathResult... results) {
        return new Verdict(Verdict.Machine.of(b), "2026-12-01T10:00:00Z", List.of(results));
    }

    static PathResult ok(String path, double ms) {
        return new PathResult(path, true, 1e-6, 1e-5, ms, "convolution: 6 X", null);
    }

    @Test
    void onCudaWithoutAVerdictEveryPathIsCheckedOnceAndTheFastestVerifiedOneWins(@TempDir Path cache) {
        AtomicInteger checks = new AtomicInteger();
        Supplier<Verdict> check = () -> {
            checks.incrementAndGet();
            return verdict(RTX, PathResult.failed("cudnn", "crashed (exit 134, signal 6): CUDA error"), ok("libnd4j", 9.0),
                    new PathResult("built-in", true, 0, 0, 14.2, "convolution: 6 built-in", null));
        };
        PathVerdicts verdicts = new PathVerdicts(cache);
        ConvPaths.Choice first = ConvPaths.choose("auto", true, RTX, verdicts, check, out);
        assertEquals(ConvPath.LIBND4J, first.path());
        assertTrue(first.reason().contains("cudnn crashed (exit 134") && first.reason().contains("libnd4j 9.0 ms/step")
                && first.reason().contains("NVIDIA GeForce RTX 3090 (cc 8.6), driver 550.54.14, CUDA 11.6, cuDNN 8.3.2"), first.reason());
        assertTrue(console.toString().contains("No convolution path is verified yet on NVIDIA GeForce RTX 3090"), console.toString());
        assertTrue(Files.isRegularFile(verdicts.file()));

        ConvPaths.Choice again = ConvPaths.choose("auto", true, RTX, verdicts, check, out);
        assertEquals(ConvPath.LIBND4J, again.path());
        assertEquals(1, checks.get(), "the stored verdict is used: no second check");
    }

    @Test
    void aVerdictHoldsForItsMachineAlone(@TempDir Path cache) {
        PathVerdicts verdicts = new PathVerdicts(cache);
        verdicts.save(verdict(RTX, ok("cudnn", 6.1), ok("libnd4j", 9.0)), out);
        BackendInfo newDriver = new BackendInfo("cuda", "cuda", "linux-x86_64-cudnn", "cuDNN", CPU,
                List.of(new GpuDevice(0, "NVIDIA GeForce RTX 3090", 24576, "8.6", "560.35.03")), null, RTX.cudaVersions(), Map.of());
        AtomicInteger checks = new AtomicInteger();
        ConvPaths.Choice c = ConvPaths.choose("auto", true, newDriver, verdicts, () -> {
            checks.incrementAndGet();
            return verdict(newDriver, ok("cudnn", 7.0), ok("libnd4j", 6.5));
        }, out);
        assertEquals(1, checks.get(), "another driver: checked again");
        assertEquals(ConvPath.LIBND4J, c.path());
        assertEquals(ConvPath.CUDNN, ConvPaths.choose("auto", true, RTX, verdicts, () -> fail("checked again"), out).path(),
                "the first machine keeps its verdict");
    }

    @Test
    void aPathThatDisagreesIsNeverChosenAndNothingVerifiedStopsTheRun(@TempDir Path cache) {
        PathResult fastButWrong = new PathResult("cudnn", false, 0.3, 0.4, 3.0, "convolution: 6 CudnnConvolutionHelper", null);
        ConvPaths.Choice c = ConvPaths.choose("auto", true, RTX, new PathVerdicts(cache.resolve("a")),
                () -> verdict(RTX, fastButWrong, ok("built-in", 14.0)), out);
        assertEquals(ConvPath.BUILT_IN, c.path());
        assertTrue(c.reason().contains("cudnn disagrees"), c.reason());

        BackendException none = assertThrows(BackendException.class, () -> ConvPaths.choose("auto", true, RTX,
                new PathVerdicts(cache.resolve("b")), () -> verdict(RTX, PathResult.failed("built-in", "timed out after 10 minutes")), out));
        assertTrue(none.getMessage().contains("No convolution path ran correctly") && none.getMessage().contains("doctor"), none.getMessage());
    }

    @Test
    void theUsersChoiceWinsWhereItCanRunAndIsRefusedWhereItCannot(@TempDir Path cache) {
        PathVerdicts verdicts = new PathVerdicts(cache);
        assertEquals(new ConvPaths.Choice(ConvPath.CUDNN, "--conv-path cudnn"),
                ConvPaths.choose("cudnn", true, RTX, verdicts, () -> fail("no check for an explicit path"), out));
        IllegalArgumentException onCpu = assertThrows(IllegalArgumentException.class, () -> ConvPaths.choose("cudnn", true, ON_CPU, verdicts, () -> null, out));
        assertTrue(onCpu.getMessage().contains("--conv-path cudnn runs on CUDA") && onCpu.getMessage().contains("onednn, built-in"), onCpu.getMessage());
        IllegalArgumentException contradiction = assertThrows(IllegalArgumentException.class, () -> ConvPaths.choose("onednn", false, ON_CPU, verdicts, () -> null, out));
        assertTrue(contradiction.getMessage().contains("--no-helpers"), contradiction.getMessage());
        assertEquals(ConvPath.BUILT_IN, ConvPaths.choose("auto", false, RTX, verdicts, () -> fail("checked"), out).path());
    }

    @Test
    void theCpuUsesOneDnnUntilTheDoctorStoredAVerdict(@TempDir Path cache) {
        PathVerdicts verdicts = new PathVerdicts(cache);
        assertEquals(ConvPath.ONEDNN, ConvPaths.choose("auto", true, ON_CPU, verdicts, () -> fail("no check on the CPU"), out).path());
        verdicts.save(verdict(ON_CPU, ok("onednn", 80), ok("built-in", 60)), out);
        assertEquals(ConvPath.BUILT_IN, ConvPaths.choose("auto", true, ON_CPU, verdicts, () -> fail("checked"), out).path());
    }

    @Test
    void anUnreadableVerdictFileIsReportedAndReplaced(@TempDir Path cache) throws Exception {
        PathVerdicts verdicts = new PathVerdicts(cache);
        Files.writeString(verdicts.file(), "{ not json");
        ConvPaths.Choice c = ConvPaths.choose("auto", true, RTX, verdicts, () -> verdict(RTX, ok("cudnn", 6.0)), out);
        assertEquals(ConvPath.CUDNN, c.path());
        assertTrue(console.toString().contains("Warning: ignoring " + verdicts.file()), console.toString());
        assertEquals(ConvPath.CUDNN, ConvPaths.choose("auto", true, RTX, verdicts, () -> fail("checked again"), out).path());
    }
}
