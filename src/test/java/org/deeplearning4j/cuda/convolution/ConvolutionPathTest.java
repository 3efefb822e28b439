package org.deeplearning4j.cuda.convolution;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.cudnn.ConvolutionPath;
import dev.cifar10.cudnn.CudnnRuntime;
import dev.cifar10.cudnn.Libnd4jConvolution;
import dev.cifar10.cudnn.Libnd4jPooling;
import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.junit.jupiter.api.Assertions.*;

/** Which path the helper classes DL4J instantiates by name take, from the system properties. */
class ConvolutionPathTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    @AfterEach
    void clearSwitches() {
        System.clearProperty(CudnnHelpers.PATH_PROPERTY);
        System.clearProperty(CudnnHelpers.ENABLED_PROPERTY);
    }

    /** As DL4J M2.1's HelperUtils creates them on CUDA: by name, the arguments wrapped in one more array. */
    private static ConvolutionHelper convolutionAsDl4jCreatesIt() {
        return DL4JClassLoading.createNewInstance("org.deeplearning4j.cuda.convolution.CudnnConvolutionHelper", ConvolutionHelper.class,
                new Object[]{new Object[]{DataType.FLOAT}});
    }

    private static SubsamplingHelper poolingAsDl4jCreatesIt() {
        return DL4JClassLoading.createNewInstance("org.deeplearning4j.cuda.convolution.subsampling.CudnnSubsamplingHelper", SubsamplingHelper.class,
                new Object[]{new Object[]{DataType.FLOAT}});
    }

    @Test
    void theDefaultIsLibnd4jsOps() {
        assertEquals(ConvolutionPath.LIBND4J, CudnnHelpers.path());
        CudnnConvolutionHelper conv = (CudnnConvolutionHelper) convolutionAsDl4jCreatesIt();
        assertInstanceOf(Libnd4jConvolution.class, conv.implementation());
        assertInstanceOf(Libnd4jPooling.class, ((CudnnSubsamplingHelper) poolingAsDl4jCreatesIt()).implementation());
        assertTrue(conv.checkSupported());
    }

    @Test
    void builtInDeclines() {
        System.setProperty(CudnnHelpers.PATH_PROPERTY, "built-in");
        assertEquals(ConvolutionPath.BUILT_IN, CudnnHelpers.path());
        assertFalse(convolutionAsDl4jCreatesIt().checkSupported(), "DL4J then drops the helper and computes the layer itself");
        assertFalse(poolingAsDl4jCreatesIt().checkSupported());
        assertNull(((CudnnConvolutionHelper) convolutionAsDl4jCreatesIt()).implementation());
    }

    @Test
    void helpersOffMeansBuiltInWhateverThePath() {
        System.setProperty(CudnnHelpers.PATH_PROPERTY, "cudnn");
        System.setProperty(CudnnHelpers.ENABLED_PROPERTY, "false");
        assertEquals(ConvolutionPath.BUILT_IN, CudnnHelpers.path());
        assertFalse(convolutionAsDl4jCreatesIt().checkSupported());
    }

    @Test
    void cudnnWithoutAGpuRunsLibnd4jsOpsAndSaysWhy() {
        System.setProperty(CudnnHelpers.PATH_PROPERTY, "cudnn");
        assertEquals(ConvolutionPath.CUDNN, CudnnHelpers.path());
        CudnnConvolutionHelper conv = (CudnnConvolutionHelper) convolutionAsDl4jCreatesIt();
        assertEquals(ConvolutionPath.CUDNN, conv.path());
        assertInstanceOf(Libnd4jConvolution.class, conv.implementation(), "never worse than the default");
        assertInstanceOf(Libnd4jPooling.class, ((CudnnSubsamplingHelper) poolingAsDl4jCreatesIt()).implementation());
        assertNull(CudnnRuntime.shared());
        // the cpu build has no seam to the GPU; a cuda build on the CPU backend has one that refuses
        assertTrue(CudnnRuntime.unavailableReason().contains("cuda build only") || CudnnRuntime.unavailableReason().contains("CUDA backend"),
                CudnnRuntime.unavailableReason());
    }

    @Test
    void anUnknownPathIsAClearError() {
        System.setProperty(CudnnHelpers.PATH_PROPERTY, "cuda");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudnnHelpers::path);
        assertEquals("Unknown convolution path 'cuda' in the system property cifar10.conv.path; use one of cudnn, libnd4j, built-in.", e.getMessage());
        System.setProperty(CudnnHelpers.PATH_PROPERTY, " CUDNN ");
        assertEquals(ConvolutionPath.CUDNN, CudnnHelpers.path(), "case and spaces do not matter");
    }
}
