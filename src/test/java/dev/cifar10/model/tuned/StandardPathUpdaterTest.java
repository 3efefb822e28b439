package dev.cifar10.model.tuned;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.HostArrays;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link StandardPathUpdater} puts the notebook's network on DL4J's standard updater path (the one DL4J's own
 * {@code isExternal} check selects), gives bit for bit DL4J's updates, leaves a foreign gradient alone, and keeps the
 * saved Adam state when installed on a restored network.
 */
class StandardPathUpdaterTest {

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    private static final int BATCH = 4;

    private static INDArray images() {
        return Nd4j.rand(DataType.FLOAT, BATCH, 3, 32, 32).subi(0.5).muli(2);   // ND4J's global RNG: seeded by the caller
    }

    private static INDArray labels(int step) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
        for (int i = 0; i < BATCH; i++) y.putScalar(i, (i * 3 + step) % 10, 1);
        return y;
    }

    /** Three steps of Adam (with dropout: the same random draws for both nets) from the same start. */
    private static void train(MultiLayerNetwork net) {
        Nd4j.getRandom().setSeed(42);
        for (int step = 0; step < 3; step++) {
            net.fit(images(), labels(step));
        }
    }

    @Test
    void theNotebookNetworkGetsItAndDl4jTakesItsStandardPath() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(7));
        StandardPathUpdater updater = assertInstanceOf(StandardPathUpdater.class, net.getUpdater());
        Nd4j.getRandom().setSeed(1);
        net.setInput(images());
        net.setLabels(labels(0));
        net.computeGradientAndScore();

        Gradient own = net.gradient();
        assertNotSame(updater.getFlattenedGradientsView(), own.gradient(),
                "DL4J M2.1's DefaultGradient.gradient() hands out a new reshaped array; if this fails, DL4J fixed it and this class can go");
        assertTrue(StandardPathUpdater.isNetworksOwn(own, updater.getFlattenedGradientsView()));
        // DL4J's BaseMultiLayerUpdater.update: isExternal = gradient.gradient() != getFlattenedGradientsView()
        assertSame(updater.getFlattenedGradientsView(), updater.forDl4j(own).gradient());
        assertSame(own.gradientForVariable(), updater.forDl4j(own).gradientForVariable());
    }

    /** What the class is for: fit's updates take DL4J's standard path (DL4J's own verdict, from inside its update). */
    @Test
    void fitTakesDl4jsStandardPathAndAForeignGradientTheExternalOne() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(3));
        StandardPathUpdater updater = (StandardPathUpdater) net.getUpdater();
        Nd4j.getRandom().setSeed(3);
        net.fit(images(), labels(0));
        assertFalse(updater.lastUpdateWasExternal(), "fit's update went down DL4J's external path");

        Gradient copy = new DefaultGradient(updater.getFlattenedGradientsView().dup());
        updater.update(copy, 1, 0, BATCH, LayerWorkspaceMgr.noWorkspaces());
        assertTrue(updater.lastUpdateWasExternal(), "a copy of the gradient is not the network's own");
    }

    @Test
    void aGradientThatIsNotTheNetworksOwnGoesOnUnchanged() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(7));
        StandardPathUpdater updater = (StandardPathUpdater) net.getUpdater();
        INDArray flat = updater.getFlattenedGradientsView();

        Gradient copy = new DefaultGradient(flat.dup());
        Gradient part = new DefaultGradient(flat.reshape(flat.length()).get(NDArrayIndex.interval(0, flat.length() - 10)));
        for (Gradient foreign : new Gradient[]{copy, part}) {
            assertFalse(StandardPathUpdater.isNetworksOwn(foreign, flat));
            assertSame(foreign, updater.forDl4j(foreign));
        }
    }

    /**
     * The device branch (what CUDA runs, forced on the CPU): buffers cannot tell there, the network's gradient object can.
     * Fit takes DL4J's standard path, and the updates are bit for bit DL4J's own updater's (both with the device branch's
     * dropout, DL4J's).
     */
    @Test
    void theDeviceBranchTakesTheStandardPathWithDl4jsOwnUpdates() {
        MultiLayerNetwork dl4j = NotebookCnn.build(NotebookCnn.Settings.notebook(11));
        dl4j.setUpdater(new MultiLayerUpdater(dl4j));
        MultiLayerNetwork device = NotebookCnn.build(NotebookCnn.Settings.notebook(11));
        boolean previous = HostArrays.forceDeviceBranches(true);
        try {
            train(dl4j);
            train(device);
            StandardPathUpdater updater = (StandardPathUpdater) device.getUpdater();
            assertFalse(updater.lastUpdateWasExternal(), "the device branch sent fit's update down DL4J's external path");
            Gradient copy = new DefaultGradient(updater.getFlattenedGradientsView().dup());
            assertSame(copy, updater.forDl4j(copy), "a gradient that is not the network's own goes on unchanged");
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
        assertArrayEquals(dl4j.params().toFloatVector(), device.params().toFloatVector(), 0f);
        assertArrayEquals(dl4j.getUpdater().getStateViewArray().toFloatVector(), device.getUpdater().getStateViewArray().toFloatVector(), 0f);
    }

    /** Should DL4J's network hand its updater a gradient that is not its flattened gradient memory, either branch stops loudly. */
    @ParameterizedTest(name = "device branch: {0}")
    @ValueSource(booleans = {false, true})
    void aNetworkGradientThatIsNotItsGradientMemoryStopsTheRun(boolean deviceBranch) throws Exception {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(7));
        StandardPathUpdater updater = (StandardPathUpdater) net.getUpdater();
        Nd4j.getRandom().setSeed(1);
        net.setInput(images());
        net.setLabels(labels(0));
        net.computeGradientAndScore();
        Gradient elsewhere = new DefaultGradient(updater.getFlattenedGradientsView().add(1));
        var field = MultiLayerNetwork.class.getDeclaredField("gradient");
        field.setAccessible(true);
        field.set(net, elsewhere);
        boolean previous = HostArrays.forceDeviceBranches(deviceBranch);
        try {
            BackendException e = assertThrows(BackendException.class, () -> updater.forDl4j(elsewhere));
            assertTrue(e.getMessage().contains("--layers stock"), e.getMessage());
        } finally {
            HostArrays.forceDeviceBranches(previous);
        }
    }

    @Test
    void updatesAreBitForBitDl4jsOwn() {
        MultiLayerNetwork dl4j = NotebookCnn.build(NotebookCnn.Settings.notebook(11));
        dl4j.setUpdater(new MultiLayerUpdater(dl4j));   // DL4J's own updater, external path
        MultiLayerNetwork project = NotebookCnn.build(NotebookCnn.Settings.notebook(11));
        assertEquals(dl4j.params(), project.params());

        train(dl4j);
        train(project);

        assertNotEquals(NotebookCnn.build(NotebookCnn.Settings.notebook(11)).params(), project.params(), "training moved nothing");
        assertArrayEquals(dl4j.params().toFloatVector(), project.params().toFloatVector(), 0f);
        assertArrayEquals(dl4j.getUpdater().getStateViewArray().toFloatVector(),
                project.getUpdater().getStateViewArray().toFloatVector(), 0f);
    }

    @Test
    void installedOnARestoredNetworkItContinuesFromTheSavedAdamState(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(13));
        train(net);
        File zip = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, zip, true);

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(zip, true);
        StandardPathUpdater.install(restored);
        assertInstanceOf(StandardPathUpdater.class, restored.getUpdater());
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(),
                restored.getUpdater().getStateViewArray().toFloatVector(), 0f);

        train(net);
        train(restored);
        assertArrayEquals(net.params().toFloatVector(), restored.params().toFloatVector(), 0f);
    }
}
