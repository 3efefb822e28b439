package dev.cifar10.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import dev.cifar10.cli.Main;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Spark job on the real sample: in local[2] it learns, checkpoints, resumes and writes a run that
 * evaluate reloads, stops on a diverging loss and maps failures to train's exit codes; in
 * local-cluster, whose executors are JVMs of their own, the executors start the backend as train does.
 */
class SparkTrainJobTest {
    @TempDir
    static Path tmp;

    /** Two epochs in local[2], the start of the runs the tests continue. */
    private static Path twoEpochs;

    @BeforeAll
    static void trainTwoEpochs() {
        twoEpochs = tmp.resolve("two-epochs");
        Outcome o = spark("--master", "local[2]", "--profile", "quick", "--data", SampleData.DIR.toString(),
                "--max-train-images", "0", "--max-test-images", "200", "--epochs", "2", "--out", twoEpochs.toString());
        assertEquals(0, o.exitCode(), o.out() + o.err());
    }

    static Outcome spark(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = SparkTrainJob.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        System.out.print(out); // the epoch lines, kept in target/surefire-reports/...-output.txt
        System.err.print(err);
        return new Outcome(code, out.toString(), err.toString());
    }

    private static Path copy(Path run, String name) throws IOException {
        Path target = tmp.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(run)) {
            for (Path f : files.toList()) Files.copy(f, target.resolve(f.getFileName()));
        }
        return target;
    }

    @Test
    void learnsResumesAndWritesARunThatEvaluateReloads() throws Exception {
        Path run = copy(twoEpochs, "resumed");
        List<String> before = Files.readAllLines(run.resolve("history.csv"));
        assertEquals(3, before.size(), String.join("\n", before));
        assertTrue(Files.exists(run.resolve("checkpoint.json")) && Files.exists(run.resolve("checkpoint-epoch-0002.zip")),
                "the driver checkpoints every epoch");

        Outcome resumed = spark("--master", "local[2]", "--resume", run.toString(), "--epochs", "3");
        assertEquals(0, resumed.exitCode(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("Resuming " + run + " after epoch 2 of 3"), resumed.out());
        assertFalse(resumed.out().contains("Epoch 1/3") || resumed.out().contains("Epoch 2/3"), "no epoch before the checkpoint: " + resumed.out());
        List<String> csv = Files.readAllLines(run.resolve("history.csv"));
        assertEquals(4, csv.size(), String.join("\n", csv));
        assertEquals(before, csv.subList(0, 3), "the resumed run keeps the history it had");
        double firstAcc = Double.parseDouble(csv.get(1).split(",")[2]), lastAcc = Double.parseDouble(csv.get(3).split(",")[2]);
        double firstValLoss = Double.parseDouble(csv.get(1).split(",")[3]), lastValLoss = Double.parseDouble(csv.get(3).split(",")[3]);
        if (SampleData.REAL) { // learning as the notebook does is a fact of real images, not of generated records
            assertTrue(lastValLoss < firstValLoss, "validation loss should fall: " + csv);
            assertTrue(lastAcc > 0.15 && lastAcc >= firstAcc, "training accuracy should rise above chance: " + csv);
        }
        JsonNode runJson = new ObjectMapper().readTree(run.resolve("run.json").toFile());
        assertEquals("completed", runJson.get("status").asText());
        assertEquals(1423, runJson.at("/data/trainImages").asInt(), "the same numpy split as the local reader");
        assertEquals(5, runJson.at("/spark/averagingSteps").asInt());
        assertEquals(2, runJson.at("/resumptions/0/afterEpoch").asInt(), runJson.toString());

        StringWriter evalOut = new StringWriter(), evalErr = new StringWriter();
        int evaluated = Main.run(new PrintWriter(evalOut, true), new PrintWriter(evalErr, true),
                "evaluate", run.toString(), "--max-test-images", "200");
        assertEquals(0, evaluated, evalErr.toString());
        double testAcc = new ObjectMapper().readTree(run.resolve("test.json").toFile()).get("accuracy").asDouble();
        assertTrue(evalOut.toString().contains(String.format(Locale.ROOT, "acc: %.4f (200 images)", testAcc)),
                "evaluate reloads the Spark model and reproduces its test accuracy " + testAcc + ": " + evalOut);
    }

    @Test
    void aDivergingEpochStopsAtItsFirstNonFiniteStepWithExitSixAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path run = copy(twoEpochs, "diverging");
        // The checkpointed network's Adam learning rate raised to 1e5: its second step overflows to a NaN loss.
        Path zip = run.resolve("checkpoint-epoch-0002.zip");
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);
        net.setLearningRate(1e5);
        ModelSerializer.writeModel(net, zip.toFile(), true);
        List<String> kept = List.of("checkpoint.json", "checkpoint-epoch-0002.zip", "model.zip", "history.csv", "history.json", "curves.png");
        List<byte[]> before = new ArrayList<>();
        for (String f : kept) before.add(Files.readAllBytes(run.resolve(f)));

        Outcome o = spark("--master", "local[2]", "--resume", run.toString(), "--epochs", "3");
        assertEquals(6, o.exitCode(), o.out() + o.err());
        assertTrue(o.err().contains("Error: The training loss became NaN on executor") && o.err().contains("of epoch 3")
                && o.err().contains("--learning-rate"), "stopped on the executor at its first NaN step, named: " + o.err());
        assertFalse(o.err().contains("\tat "), "a message, not a stack trace: " + o.err());
        assertFalse(o.out().contains("Epoch 3/3"), "epoch 3 never completed: " + o.out());
        for (int i = 0; i < kept.size(); i++) {
            assertArrayEquals(before.get(i), Files.readAllBytes(run.resolve(kept.get(i))), kept.get(i) + " of epoch 2 stays as it was");
        }
        assertFalse(Files.exists(run.resolve("checkpoint-epoch-0003.zip")));
    }

    @Test
    void refusesTrainsParallelWrapperFlagsBeforeStartingSpark() {
        for (String[] flag : new String[][]{{"--workers", "2"}, {"--prefetch", "4"}, {"--averaging-frequency", "3"}}) {
            Outcome o = spark("--master", "local[2]", "--data", SampleData.DIR.toString(), flag[0], flag[1], "--out", tmp.resolve("never").toString());
            assertEquals(2, o.exitCode(), o.out() + o.err());
            assertTrue(o.err().contains("does not take " + flag[0]) && o.err().contains("--averaging-steps"), o.err());
        }
        assertFalse(Files.exists(tmp.resolve("never")));
        Outcome local = spark("--resume", twoEpochs.toString(), "--averaging-steps", "3");
        assertEquals(2, local.exitCode(), local.err());
        assertTrue(local.err().contains("averaged every 5 steps"), local.err());
    }

    @Test
    void aBadRecordReadOnAnExecutorIsADataErrorWithExitThree() throws IOException {
        Path data = SampleData.copyTo(tmp.resolve("bad-label"));
        byte[] bytes = Files.readAllBytes(data.resolve("test_batch.bin"));
        bytes[3073 * 7] = 12; // the label byte of record 7
        Files.write(data.resolve("test_batch.bin"), bytes);
        Outcome o = spark("--master", "local[2]", "--profile", "smoke", "--data", data.toString(), "--out", tmp.resolve("bad").toString());
        assertEquals(3, o.exitCode(), o.out() + o.err());
        assertTrue(o.err().contains("test_batch.bin: record 7 (byte offset 21,511) has label 12"), o.err());
        assertFalse(o.err().contains("\tat "), "a message, not a stack trace: " + o.err());
    }

    /**
     * local-cluster starts a standalone master and two workers in this JVM, and each worker launches its
     * executor as a JVM of its own, so it sees none of this JVM's system properties or loaded natives. The
     * workers need a Spark home: an empty one with {@code jars/} and a Scala build directory, as Spark's
     * launcher looks for them, while {@code spark.testing} gives the executors this JVM's classpath.
     */
    @Test
    void executorsInJvmsOfTheirOwnStartTheBackendAsTrainDoesAndTrainWithTheHelpers() throws Exception {
        Path home = tmp.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-2.12"));
        String opens = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens")).toList());
        Path out = tmp.resolve("cluster");
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        System.setProperty("spark.executor.extraJavaOptions", opens);
        Outcome o;
        try {
            o = spark("--master", "local-cluster[2,1,1024]", "--profile", "smoke", "--data", SampleData.DIR.toString(),
                    "--max-train-images", "320", "--max-test-images", "64", "--out", out.toString());
        } finally {
            System.clearProperty("spark.testing");
            System.clearProperty("spark.test.home");
            System.clearProperty("spark.executor.extraJavaOptions");
        }
        assertEquals(0, o.exitCode(), o.out() + o.err());
        JsonNode executors = new ObjectMapper().readTree(out.resolve("run.json").toFile()).at("/spark/executors");
        assertTrue(executors.size() >= 1, executors.toString());
        long driver = ProcessHandle.current().pid();
        for (JsonNode executor : executors) {
            assertNotEquals(driver, executor.get("pid").asLong(), "an executor JVM of its own: " + executor);
            assertEquals("oneDNN", executor.get("layerHelpers").asText(), executor.toString());
            assertEquals(6, executor.at("/attachedHelpers/convolution/MKLDNNConvHelper").asInt(),
                    "each of the 6 conv layers carries the oneDNN helper: " + executor);
            assertEquals(3, executor.at("/attachedHelpers/subsampling/MKLDNNSubsamplingHelper").asInt(),
                    "each of the 3 pool layers carries the oneDNN helper: " + executor);
        }
        assertTrue(o.out().contains("Executor "), o.out());
    }
}
