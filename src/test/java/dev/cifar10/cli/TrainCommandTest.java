package dev.cifar10.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.Locale;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cifar10.Cli.run;
import static org.junit.jupiter.api.Assertions.*;

/** The train command as a user runs it: the sample records in (real or generated, see SampleData), a complete run directory out. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void trainsOnTheSampleAndWritesEveryOutput() throws Exception {
        Path out = tmp.resolve("run");
        Outcome o = run("train", "--profile", "quick", "--data", SampleData.DIR.toString(), "--max-train-images", "0",
                "--max-test-images", "0", "--epochs", "4", "--out", out.toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("Epoch 4/4  45/45 - "), o.out());
        assertTrue(o.out().contains("2,034 training records (1,423 train / 611 validation), 500 test records"), o.out());

        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        assertEquals(5, csv.size());
        double firstLoss = Double.parseDouble(csv.get(1).split(",")[1]);
        double lastLoss = Double.parseDouble(csv.get(4).split(",")[1]);
        double lastValAcc = Double.parseDouble(csv.get(4).split(",")[4]);
        assertTrue(lastLoss < firstLoss - 0.1, "training loss should fall: " + csv);
        assertTrue(lastValAcc > 0.2, "validation accuracy should clearly beat chance (0.1): " + csv);

        ObjectMapper json = new ObjectMapper();
        JsonNode runJson = json.readTree(out.resolve("run.json").toFile());
        assertEquals("completed", runJson.get("status").asText());
        assertEquals(777, runJson.at("/config/seed").asInt());
        assertEquals(1423, runJson.at("/data/trainImages").asInt());
        assertFalse(runJson.at("/backend/nativeVariant").asText().isEmpty());
        assertTrue(runJson.at("/hardware/logicalCores").asInt() > 0);
        assertEquals(4, json.readTree(out.resolve("history.json").toFile()).size());

        JsonNode test = json.readTree(out.resolve("test.json").toFile());
        int total = 0;
        for (JsonNode row : test.get("confusionMatrix")) for (JsonNode cell : row) total += cell.asInt();
        assertEquals(500, total);
        assertEquals(10, test.get("perClassAccuracy").size());
        assertTrue(test.get("accuracy").asDouble() > 0.15);

        BufferedImage curves = ImageIO.read(out.resolve("curves.png").toFile());
        assertEquals(1280, curves.getWidth());

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(out.resolve("model.zip").toFile(), true);
        assertEquals(814_122, restored.numParams());
        assertNotNull(restored.getUpdater().getStateViewArray(), "updater state is saved for resuming");
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }

        Outcome evaluated = run("evaluate", out.toString());
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        assertTrue(evaluated.out().contains(String.format(Locale.ROOT, "acc: %.4f (500 images)", test.get("accuracy").asDouble())),
                "evaluate reloads model.zip and reproduces test.json: " + evaluated.out());
    }

    @Test
    void trainsWithTwoParallelWrapperWorkers() throws Exception {
        Path out = tmp.resolve("workers");
        Outcome o = run("train", "--profile", "quick", "--data", SampleData.DIR.toString(), "--max-train-images", "0",
                "--max-test-images", "200", "--epochs", "3", "--workers", "2", "--out", out.toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("Workers: 2 (DL4J ParallelWrapper"), o.out());
        assertTrue(o.out().contains("Epoch 3/3  45/45 - "), "every batch is counted once across the workers: " + o.out());
        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        assertEquals(4, csv.size());
        assertTrue(Double.parseDouble(csv.get(3).split(",")[1]) < Double.parseDouble(csv.get(1).split(",")[1]) - 0.05,
                "training loss should fall: " + csv);
        for (String f : new String[]{"run.json", "history.json", "curves.png", "model.zip", "test.json", "checkpoint.json"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    @Test
    void refusesAnUnknownProfile() {
        Outcome o = run("train", "--profile", "nosuch");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("Unknown profile 'nosuch'") && o.err().contains("notebook, quick"), o.err());
    }

    @Test
    void refusesOutOfRangeValuesNamingTheKeyAndTheRange() {
        Outcome epochs = run("train", "--epochs", "0", "--data", "synthetic");
        assertEquals(2, epochs.exitCode());
        assertTrue(epochs.err().contains("epochs (from --epochs): allowed is an integer from 1 to 10000"), epochs.err());
        Outcome dropout = run("train", "--dropout", "1.5");
        assertEquals(2, dropout.exitCode());
        assertTrue(dropout.err().contains("dropout") && dropout.err().contains("below 1"), dropout.err());
        Outcome text = run("train", "--batch-size", "many");
        assertEquals(2, text.exitCode());
        assertTrue(text.err().contains("'many' for batch-size"), text.err());
    }

    @Test
    void refusesABadProfileFile() throws Exception {
        Path profile = Files.writeString(tmp.resolve("mine.properties"), "epochs=3\nbatchsize=32\n");
        Outcome o = run("train", "--profile", profile.toString());
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("Unknown key 'batchsize'"), o.err());
        Path valueOutOfRange = Files.writeString(tmp.resolve("lr.properties"), "learning-rate=-1\n");
        Outcome lr = run("train", "--profile", valueOutOfRange.toString());
        assertEquals(2, lr.exitCode());
        assertTrue(lr.err().contains("learning-rate (from profile " + valueOutOfRange + ")"), lr.err());
    }

    @Test
    void refusesAConvolutionPathThisBackendCannotRunWithExitTwo() {
        Outcome o = run("train", "--profile", "smoke", "--data", "synthetic", "--conv-path", "cudnn", "--out", tmp.resolve("c").toString());
        assertEquals(2, o.exitCode(), o.err());
        assertTrue(o.err().contains("--conv-path cudnn runs on CUDA") && o.err().contains("onednn, built-in"), o.err());
        assertFalse(Files.exists(tmp.resolve("c")), "nothing written");
    }

    @Test
    void refusesHalfPrecisionSayingWhy() {
        Outcome o = run("train", "--profile", "smoke", "--data", "synthetic", "--data-type", "half", "--out", tmp.resolve("h").toString());
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("--data-type half is refused") && o.err().contains("Adam's moments") && o.err().contains("--data-type float"), o.err());
        assertFalse(Files.exists(tmp.resolve("h")), "nothing written");
        Outcome bad = run("train", "--backend", "gpu");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("backend") && bad.err().contains("auto, cpu, cuda"), bad.err());
    }

    @Test
    void theCpuBuildRefusesAGpuWithExitFive() {
        Outcome device = run("train", "--profile", "smoke", "--data", "synthetic", "--device", "0", "--out", tmp.resolve("d").toString());
        assertEquals(5, device.exitCode(), device.err());
        assertTrue(device.err().contains("--device 0 asks for a GPU, but this is the cpu build") && device.err().contains("mvn -Pcuda"), device.err());
        Outcome both = run("train", "--profile", "smoke", "--data", "synthetic", "--backend", "cpu", "--device", "1", "--out", tmp.resolve("b").toString());
        assertEquals(2, both.exitCode(), both.err());
        assertTrue(both.err().contains("--backend cpu"), both.err());
        assertEquals(2, run("train", "--device", "first").exitCode());
    }

    @Test
    void refusesMissingDataWithExitThree() {
        Outcome o = run("train", "--profile", "smoke", "--data", tmp.resolve("nothing-here").toString(), "--out", tmp.resolve("r").toString());
        assertEquals(3, o.exitCode());
        assertTrue(o.err().contains("does not exist") && o.err().contains("--data"), o.err());
    }

    @Test
    void refusesToOverwriteAnEarlierRun() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(out.resolve("run.json"), "{}");
        Outcome o = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--out", out.toString());
        assertEquals(4, o.exitCode());
        assertTrue(o.err().contains("already holds a run"), o.err());
        assertEquals("{}", Files.readString(out.resolve("run.json")), "the earlier run is untouched");
    }
}
