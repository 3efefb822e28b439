package dev.cifar10.run;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.model.tuned.StandardPathUpdater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A checkpoint restores the network with its Adam state, on {@link StandardPathUpdater}, and training goes on exactly. */
class CheckpointTest {

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    private static void step(MultiLayerNetwork net, int i) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int r = 0; r < 4; r++) y.putScalar(r, (r + i) % 10, 1);
        net.fit(x, y);
    }

    @Test
    void restoredNetworkHasItsAdamStateOnTheStandardPathAndTrainsOnExactly(@TempDir Path dir) {
        Nd4j.getRandom().setSeed(5);
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(5));
        step(net, 0);
        step(net, 1);
        History history = new History();
        history.add(new EpochStats(1, 2.3, 0.1, 2.3, 0.1, 1, 1, 2, 1, 1, 1, 1));
        RunDirectory run = RunDirectory.create(dir);
        Checkpoint.save(run, net, history);

        MultiLayerNetwork restored = Checkpoint.read(run).restore(run, NotebookCnn.Settings.notebook(5));   // via the stock NCHW file; also restores ND4J's random state

        assertInstanceOf(StandardPathUpdater.class, restored.getUpdater());
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
                restored.getUpdater().getStateViewArray().toFloatVector(), 0f);
        long root = Nd4j.getRandom().rootState(), node = Nd4j.getRandom().nodeState();
        step(restored, 2);
        Nd4j.getRandom().setStates(root, node);
        step(net, 2);
        assertArrayEquals(net.params().toFloatVector(), restored.params().toFloatVector(), 0f);
    }
}
