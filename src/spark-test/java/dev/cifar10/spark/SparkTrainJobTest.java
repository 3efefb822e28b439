package dev.cifar10.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.SampleData;
import dev.cifar10.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/** The Spark job in local[2] on the real sample: it learns, and writes a run directory that evaluate reloads. */
class SparkTrainJobTest {
    @TempDir
    Path tmp;

    @Test
    void trainsOnSparkLocalAndWritesARunThatEvaluateReloads() throws Exception {
        Path out = tmp.resolve("spark-run");
        int code = SparkTrainJob.run("--master", "local[2]", "--profile", "quick", "--data", SampleData.DIR.toString(),
                "--max-train-images", "0", "--max-test-images", "200", "--epochs", "3", "--out", out.toString());
        assertEquals(0, code);
        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        assertEquals(4, csv.size(), String.join("\n", csv));
        double firstAcc = Double.parseDouble(csv.get(1).split(",")[2]), lastAcc = Double.parseDouble(csv.get(3).split(",")[2]);
        double firstValLoss = Double.parseDouble(csv.get(1).split(",")[3]), lastValLoss = Double.parseDouble(csv.get(3).split(",")[3]);
        assertTrue(lastValLoss < firstValLoss, "validation loss should fall: " + csv);
        assertTrue(lastAcc > 0.15 && lastAcc >= firstAcc, "training accuracy should rise above chance: " + csv);
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("completed", run.get("status").asText());
        assertEquals(1423, run.at("/data/trainImages").asInt(), "the same numpy split as the local reader");

        StringWriter evalOut = new StringWriter(), evalErr = new StringWriter();
        int evaluated = Main.run(new PrintWriter(evalOut, true), new PrintWriter(evalErr, true),
                "evaluate", out.toString(), "--max-test-images", "200");
        assertEquals(0, evaluated, evalErr.toString());
        double testAcc = new ObjectMapper().readTree(out.resolve("test.json").toFile()).get("accuracy").asDouble();
        assertTrue(evalOut.toString().contains(String.format(Locale.ROOT, "acc: %.4f (200 images)", testAcc)),
                "evaluate reloads the Spark model and reproduces its test accuracy " + testAcc + ": " + evalOut);
    }
}
