package dev.cifar10.backend;

import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import dev.cifar10.cli.Main;
import dev.cifar10.data.Cifar10Binary;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.Standardisation;
import dev.cifar10.train.EpochRunner;
import dev.cifar10.train.SmallNetwork;
import dev.cifar10.train.Evaluator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** The cap is checked once a training step and once an evaluation batch, and a process above it stops at that check. */
class PhysicalMemoryGuardTest {
    private static final String MAX_RETRIES = "org.bytedeco.javacpp.maxRetries";
    private static LabeledImages images;
    private static Standardisation standardisation;

    @TempDir
    Path tmp;

    @BeforeAll
    static void data() {
        Backends.initialise(BackendOptions.defaults());
        images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
        standardisation = Standardisation.fit(images);
    }

    /** 5 training steps of 10 images. */
    private static CifarBatches training() {
        return new CifarBatches(images, IntStream.range(0, 200).toArray(), standardisation, 10, true, 1, DataType.FLOAT).capped(5);
    }

    /** 3 evaluation batches: 20, 20 and 5 images. */
    private static CifarBatches validation() {
        return new CifarBatches(images, IntStream.range(200, 245).toArray(), standardisation, 20, false, 0, DataType.FLOAT);
    }

    @Test
    void theCapIsCheckedOnceATrainingStepAndOnceAnEvaluationBatch() {
        MultiLayerNetwork net = SmallNetwork.build();
        long before = PhysicalMemoryGuard.checks();
        Evaluator.evaluate(net, validation());
        assertEquals(3, PhysicalMemoryGuard.checks() - before, "checks in an evaluation of 3 batches");

        for (int workers : new int[]{1, 2}) {   // 2: DL4J's ParallelWrapper, whose replicas carry the same listener
            MultiLayerNetwork trained = SmallNetwork.build();
            EpochRunner runner = new EpochRunner(trained, training(), validation(), 1, "", workers, 1, 2);
            before = PhysicalMemoryGuard.checks();
            runner.run(1);
            assertEquals(5 + 3, PhysicalMemoryGuard.checks() - before, workers + " worker(s): checks in an epoch of 5 steps and 3 validation batches");
        }
    }

    @Test
    void aProcessAboveTheCapStopsAtTheFirstStepsCheck() {
        MultiLayerNetwork net = SmallNetwork.build();
        EpochRunner runner = new EpochRunner(net, training(), validation(), 1, "", 1, 1, 1);
        INDArray initial = net.params().dup();
        long before = PhysicalMemoryGuard.checks();
        OutOfMemoryError e = aboveTheCap(() -> assertThrows(OutOfMemoryError.class, () -> runner.run(1)));
        assertTrue(e.getMessage().contains("Physical memory usage is too high") && e.getMessage().contains("maxPhysicalBytes (1)"), e.getMessage());
        assertNotEquals(initial, net.params(), "the first step's update, made before its check");
        assertEquals(0, net.getIterationCount(), "steps counted complete (DL4J counts a step after its listeners): none past the first");
        assertEquals(1, PhysicalMemoryGuard.checks() - before, "checks made: the first one stopped the run");
    }

    @Test
    void trainAboveTheCapEndsWithExitSevenNamingJavaCppsSettingsAndSavesNoEpoch() throws Exception {
        Path run = tmp.resolve("run");
        long before = PhysicalMemoryGuard.checks();
        Outcome o = aboveTheCap(() -> Cli.run("train", "--profile", "smoke", "--data", "synthetic", "--out", run.toString()));
        assertEquals(Main.EXIT_MEMORY, o.exitCode(), o.err());
        assertTrue(o.err().contains("Out of native (off-heap) memory") && o.err().contains("-Dorg.bytedeco.javacpp.maxphysicalbytes="), o.err());
        assertEquals(1, PhysicalMemoryGuard.checks() - before, "checks made: the first step's stopped the run");
        for (String file : List.of("history.csv", "checkpoint.json", "model.zip")) {
            assertFalse(Files.exists(run.resolve(file)), file + " written by a run stopped at its first step");
        }
    }

    /** Runs {@code body} with a 1-byte cap, which any process is above, and JavaCPP's remedy tried once instead of 10 times. */
    private static <T> T aboveTheCap(Supplier<T> body) {
        String retries = System.getProperty(MAX_RETRIES);
        long cap = PhysicalMemoryGuard.replaceCap(1);
        try {
            System.setProperty(MAX_RETRIES, "1");
            return body.get();
        } finally {
            PhysicalMemoryGuard.replaceCap(cap);
            if (retries == null) System.clearProperty(MAX_RETRIES); else System.setProperty(MAX_RETRIES, retries);
        }
    }
}
