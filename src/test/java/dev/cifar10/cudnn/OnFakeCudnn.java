package dev.cifar10.cudnn;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.nd4j.linalg.factory.Nd4j;

/** What the tests of the cuDNN path's layers share: the CPU backend, and for each test a new {@link FakeCudnn} with a runtime on it. */
abstract class OnFakeCudnn {
    FakeCudnn fake;
    CudnnRuntime runtime;
    final LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    @BeforeEach
    void cudnnOnTheCpu() {
        fake = new FakeCudnn();
        runtime = fake.runtime(AlgorithmRule.SEARCH);
        Nd4j.getRandom().setSeed(42);
    }
}
