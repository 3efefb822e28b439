package dev.cifar10.backend;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The CUDA library probe's reading of loader errors and versions (the loading itself: CudaBuildTest, on the packaged cuda build). */
class CudaLibrariesTest {
    @Test
    void namesTheLibraryTheDynamicLoaderCouldNotFind() {
        // what JavaCPP throws on a machine with a driver but without CUDA 11 (the cause carries dlopen's message)
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        error.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/cuda-11.6-8.3-1.5.7-linux-x86_64.jar/org/bytedeco/cuda/"
                + "linux-x86_64/libjnicudart.so: libcudart.so.11.0: cannot open shared object file: No such file or directory"));
        assertEquals("libcudart.so.11.0", CudaLibraries.missingLibrary(error, "expected"));
        assertEquals("libcuda.so.1", CudaLibraries.missingLibrary(
                new UnsatisfiedLinkError("libjnicudart.so: libcuda.so.1: cannot open shared object file"), "expected"));
        assertEquals("libcudnn.so.8", CudaLibraries.missingLibrary(new NoClassDefFoundError("Could not initialize class"), "libcudnn.so.8"),
                "the preset's own library when the loader names none");
    }

    @Test
    void readsCudaAndCudnnVersionNumbers() {
        assertEquals("11.6", CudaLibraries.cudaVersion(11060));
        assertEquals("12.2", CudaLibraries.cudaVersion(12020));
        assertEquals("8.3.2", CudaLibraries.cudnnVersion(8302));
        assertEquals("8.9.7", CudaLibraries.cudnnVersion(8907));
    }

    @Test
    void theCpuBuildHasNoPresetsAndTheProbeSaysSoWithoutThrowing() {
        CudaLibraries probe = CudaLibraries.probe();
        assertFalse(probe.loaded());
        assertTrue(probe.problem().contains("does not carry JavaCPP's CUDA presets"), probe.problem());
    }
}
