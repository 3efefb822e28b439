package dev.cifar10.cudnn;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU self-check's own logic, on the CPU: with {@link FakeCudnn} standing in for cuDNN it must pass, and it must
 * fail when a pass computes something else or throws.
 */
class GpuSelfCheckTest {
    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    private static GpuSelfCheck.Report run(FakeCudnn fake, StringWriter text) {
        return GpuSelfCheck.run(fake.runtime(AlgorithmRule.SEARCH), new PrintWriter(text, true), false);
    }

    @Test
    void passesWhenEveryPassAgreesWithLibnd4j() {
        StringWriter text = new StringWriter();
        GpuSelfCheck.Report report = run(new FakeCudnn(), text);
        assertTrue(report.passed(), text.toString());
        // both layouts: three convolutions with five checks each, one pooling with two, then the repeated step
        assertEquals(2 * (3 * 5 + 2) + 1, report.checks().size(), text.toString());
        assertTrue(text.toString().contains("ok   NHWC conv [32, 32, 32, 3] -> 32 channels, 3x3 same, input gradient skipped"), text.toString());
        assertTrue(text.toString().contains("ok   repeated step: 0 searches, 0 workspace allocations"), text.toString());
    }

    @Test
    void failsWhenAPassComputesSomethingElse() {
        FakeCudnn wrongBias = new FakeCudnn() {
            @Override
            public void addTensor(TensorDescriptor biasDesc, org.nd4j.linalg.api.ndarray.INDArray bias, TensorDescriptor yDesc,
                                  org.nd4j.linalg.api.ndarray.INDArray y) {
                // the bias forgotten: what a wrong descriptor could do on a GPU
            }
        };
        StringWriter text = new StringWriter();
        GpuSelfCheck.Report report = run(wrongBias, text);
        assertFalse(report.passed());
        assertEquals(6, report.checks().stream().filter(c -> !c.passed()).count(), "the forward pass of each convolution: " + text);
        assertTrue(text.toString().contains("FAIL NCHW conv [32, 3, 32, 32] -> 32 channels, 3x3 same, forward"), text.toString());
    }

    @Test
    void failsWhenAPassThrows() {
        FakeCudnn failing = new FakeCudnn();
        failing.failing = name -> name.equals("cudnnPoolingBackward");
        StringWriter text = new StringWriter();
        GpuSelfCheck.Report report = run(failing, text);
        assertFalse(report.passed());
        assertTrue(text.toString().contains("FAIL NCHW max pool 2x2/2 [32, 32, 32, 32]: dev.cifar10.cudnn.CudnnException: cudnnPoolingBackward returned 8"),
                text.toString());
    }
}
