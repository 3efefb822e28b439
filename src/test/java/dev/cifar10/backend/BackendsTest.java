package dev.cifar10.backend;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The choice between CUDA and the CPU, before ND4J loads, on injected nvidia-smi answers and CUDA-library probes: the
 * success path a GPU machine takes, and the fallbacks, without a GPU.
 */
class BackendsTest {
    static final NvidiaSmi.Answer RTX_3090 = new NvidiaSmi.Answer(true, 0, "0, NVIDIA GeForce RTX 3090, 24576, 8.6, 550.54.14");
    static final NvidiaSmi.Answer H100 = new NvidiaSmi.Answer(true, 0, "0, NVIDIA H100 80GB HBM3, 81559, 9.0, 550.54.15");
    static final CudaLibraries LOADED = new CudaLibraries(null, null,
            Map.of("cudaRuntime", "11.6", "cudaDriver", "12.4", "cudnn", "8.3.2", "cudaDevices", "1"), Map.of("libcudnn.so.8", "/usr/lib/libcudnn.so.8"));
    static final CudaLibraries NO_CUDNN = new CudaLibraries("libcudnn.so.8", "libcudnn.so.8 is missing", Map.of(), Map.of());

    static BackendOptions options(String backend, String device) {
        return new BackendOptions(backend, "auto", true, device, 0, 0);
    }

    @Test
    void aSupportedGpuWithItsLibrariesRunsOnCuda() {
        Backends.Choice c = Backends.choose(options("auto", "auto"), "cuda", RTX_3090, () -> LOADED);
        assertEquals("cuda", c.backend());
        assertNull(c.fallback());
        assertEquals(List.of(0), c.gpus().stream().map(GpuDevice::index).toList());
        assertEquals("8.6", c.gpus().get(0).computeCapability());
        assertSame(LOADED, c.cuda());
        assertTrue(String.valueOf(c.details().get("cudaVisibleDevices")).startsWith("0"), c.details().toString());
        // insisting changes nothing when the GPU can run
        assertEquals("cuda", Backends.choose(options("cuda", "0"), "cuda", RTX_3090, () -> LOADED).backend());
    }

    @Test
    void withoutCudasLibrariesItFallsBackSayingWhichOneOrStopsWhenInsisting() {
        Backends.Choice c = Backends.choose(options("auto", "auto"), "cuda", RTX_3090, () -> NO_CUDNN);
        assertEquals("cpu", c.backend());
        assertTrue(c.fallback().contains("libcudnn.so.8 is missing") && c.fallback().contains("cuda-redist"), c.fallback());
        BackendException e = assertThrows(BackendException.class,
                () -> Backends.choose(options("cuda", "auto"), "cuda", RTX_3090, () -> NO_CUDNN));
        assertTrue(e.getMessage().contains("libcudnn.so.8 is missing") && e.getMessage().contains("--backend cuda insists"), e.getMessage());
    }

    @Test
    void hopperFallsBackBeforeAnyCudaLibraryIsLoaded() {
        Backends.Choice c = Backends.choose(options("auto", "auto"), "cuda", H100, () -> fail("CUDA's libraries were loaded for a GPU that cannot run"));
        assertEquals("cpu", c.backend());
        assertTrue(c.fallback().contains("9.0"), c.fallback());
    }

    @Test
    void theCpuBuildAndBackendCpuNeverAskTheLibraries() {
        assertEquals("cpu", Backends.choose(options("auto", "auto"), "cpu", RTX_3090, () -> fail("probed")).backend());
        assertEquals("cpu", Backends.choose(options("cpu", "auto"), "cuda", RTX_3090, () -> fail("probed")).backend());
    }
}
