package dev.cifar10.backend;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Which oneDNN build loads where: never the AVX-512 one on a CPU without AVX-512 (that would be SIGILL). */
class CpuNativesTest {
    static final CpuInfo WITH_AVX512 = new CpuInfo("test", 2, Set.of("avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"));
    static final CpuInfo AVX2_ONLY = new CpuInfo("old", 2, Set.of("avx", "avx2", "fma"));

    @Test
    void autoPicksAvx512OnlyWhereTheCpuHasIt() {
        assertEquals("linux-x86_64-onednn-avx512", Backends.chooseCpuVariant("auto", WITH_AVX512));
        assertEquals("linux-x86_64-onednn", Backends.chooseCpuVariant("auto", AVX2_ONLY));
        assertEquals("linux-x86_64-onednn", Backends.chooseCpuVariant("onednn", WITH_AVX512));
    }

    @Test
    void refusesAvx512NativesOnACpuWithoutThem() {
        BackendException e = assertThrows(BackendException.class, () -> Backends.chooseCpuVariant("onednn-avx512", AVX2_ONLY));
        assertTrue(e.getMessage().contains("needs AVX-512") && e.getMessage().contains("old"), e.getMessage());
    }

    @Test
    void readsFlagsFromProcCpuinfo(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("cpuinfo"), "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t\t: fpu avx2 avx512f avx512cd avx512bw avx512dq avx512vl\n\nprocessor\t: 1\n");
        CpuInfo cpu = CpuInfo.fromCpuinfo(f);
        assertEquals("AMD EPYC 9R14", cpu.model());
        assertTrue(cpu.hasAvx512());
        assertFalse(CpuInfo.fromCpuinfo(tmp.resolve("missing")).hasAvx512(), "no /proc: the generic build, always safe");
    }
}
