package dev.cifar10.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real training processes interrupted (SIGKILL or SIGTERM mid-epoch, or a kill between the last
 * checkpoint and the final files) and resumed end exactly where an uninterrupted run ends: the same
 * losses and accuracies, test report and weights, bit for bit. (One worker on the CPU is
 * deterministic: two uninterrupted runs give identical files, which is what makes this comparison fair.)
 */
class ResumeTest {
    static final String[] SETTINGS = {"--profile", "smoke", "--data", SampleData.DIR.toString(), "--max-train-images", "1200",
            "--epochs", "3"};
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    static Path whole;

    @TempDir
    Path tmp;

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        whole = shared.resolve("whole");
        finish(JavaProcess.train(shared.resolve("whole.log"), with(SETTINGS, "--out", whole.toString())), shared.resolve("whole.log"));
    }

    static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static void finish(Process p, Path log) throws Exception {
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "process did not finish");
        assertEquals(0, p.exitValue(), Files.readString(log));
    }

    /** Starts a run and waits until epoch 1 is checkpointed and epoch 2 under way. */
    static Process startAndReachEpochTwo(Path run, Path log) throws Exception {
        Process p = JavaProcess.train(log, with(SETTINGS, "--out", run.toString()));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(run.resolve("history.csv")) && System.nanoTime() < deadline && p.isAlive()) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run ended before it could be interrupted: " + Files.readString(log));
        Thread.sleep(500); // into epoch 2
        return p;
    }

    /** The run's outcome as an uninterrupted run must reproduce it: every number of history, test report and model. */
    static void assertSameAsUninterrupted(Path run) throws Exception {
        JsonNode expected = JSON.readTree(whole.resolve("history.json").toFile()), actual = JSON.readTree(run.resolve("history.json").toFile());
        assertEquals(3, actual.size(), actual.toString());
        for (int e = 0; e < 3; e++) {
            for (String column : new String[]{"epoch", "loss", "acc", "valLoss", "valAcc", "steps"}) {
                assertEquals(expected.get(e).get(column).asDouble(), actual.get(e).get(column).asDouble(), 0.0,
                        "epoch " + (e + 1) + " " + column + " (bit for bit)");
            }
        }
        assertEquals(lossAndAccuracyColumns(whole), lossAndAccuracyColumns(run), "history.csv");
        assertEquals(Files.readString(whole.resolve("test.json")), Files.readString(run.resolve("test.json")), "test.json");
        assertEquals(zipEntries(whole.resolve("model.zip")), zipEntries(run.resolve("model.zip")), "model.zip: weights, updater state, configuration");
        assertEquals("completed", JSON.readTree(run.resolve("run.json").toFile()).get("status").asText());
    }

    static List<String> lossAndAccuracyColumns(Path run) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("history.csv"))) {
            rows.add(String.join(",", List.of(line.split(",")).subList(0, 5)));
        }
        return rows;
    }

    /** Entry name to the SHA-256 of its bytes. */
    static Map<String, String> zipEntries(Path zip) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                byte[] bytes = z.getInputStream(e).readAllBytes();
                entries.put(e.getName(), HexFormat.of().formatHex(sha256.digest(bytes)));
            }
        }
        return entries;
    }

    static List<String> temporaryFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void killedMidEpochAndResumedEndsBitForBitLikeAnUninterruptedRun() throws Exception {
        Path killed = tmp.resolve("killed"), log = tmp.resolve("killed.log");
        Process p = startAndReachEpochTwo(killed, log);
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.readString(log).contains("Epoch 2/3"), "the kill came too late to test anything");

        Path resumedLog = tmp.resolve("resumed.log");
        finish(JavaProcess.train(resumedLog, "--resume", killed.toString()), resumedLog);
        String resumed = Files.readString(resumedLog);
        assertTrue(resumed.contains("Resuming " + killed + " after epoch 1 of 3"), resumed);
        assertFalse(resumed.contains("Epoch 1/3"), "the resumed run must not train epoch 1 again: " + resumed);
        assertTrue(resumed.contains("Epoch 2/3") && resumed.contains("Epoch 3/3"), resumed);
        assertSameAsUninterrupted(killed);
    }

    @Test
    void sigtermMidEpochStopsWithinSecondsMarksTheRunInterruptedAndResumesExactly() throws Exception {
        Path stopped = tmp.resolve("stopped"), log = tmp.resolve("stopped.log");
        Process p = startAndReachEpochTwo(stopped, log);
        long asked = System.nanoTime();
        p.destroy(); // SIGTERM, as `kill` or a container runtime sends it; Ctrl-C's SIGINT takes the same path (exit 130)
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        double seconds = (System.nanoTime() - asked) / 1e9;
        String output = Files.readString(log);
        assertEquals(143, p.exitValue(), output);
        assertTrue(seconds < 10, "stopped after " + seconds + " s");
        assertTrue(output.contains("Stopped by SIGTERM") && output.contains("train --resume " + stopped), output);
        assertEquals(List.of(), temporaryFiles(stopped), "no temporary file left");
        assertEquals("interrupted", JSON.readTree(stopped.resolve("run.json").toFile()).get("status").asText());
        assertEquals(1, JSON.readTree(stopped.resolve("checkpoint.json").toFile()).get("epoch").asInt());

        Path resumedLog = tmp.resolve("resumed-term.log");
        finish(JavaProcess.train(resumedLog, "--resume", stopped.toString()), resumedLog);
        assertTrue(Files.readString(resumedLog).contains("after epoch 1 of 3"), Files.readString(resumedLog));
        assertSameAsUninterrupted(stopped);
    }

    @Test
    void killedAfterTheLastCheckpointResumeWritesModelAndTestReportThatEvaluateReproduces() throws Exception {
        // what a kill right after epoch 3's checkpoint leaves: no test.json, model.zip one epoch behind, run.json "running"
        Path run = tmp.resolve("late");
        PathUtils.copyDirectory(whole, run);
        Files.delete(run.resolve("test.json"));
        Files.delete(run.resolve("model.zip"));
        ObjectNode runJson = (ObjectNode) JSON.readTree(run.resolve("run.json").toFile());
        runJson.put("status", "running");
        runJson.remove("test");
        JSON.writeValue(run.resolve("run.json").toFile(), runJson);

        Outcome o = Cli.run("train", "--resume", run.toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("after epoch 3 of 3") && !o.out().contains("Epoch "), "nothing left to train: " + o.out());
        assertSameAsUninterrupted(run);

        double accuracy = JSON.readTree(run.resolve("test.json").toFile()).get("accuracy").asDouble();
        Outcome evaluated = Cli.run("evaluate", run.toString(), "--max-test-images", "200"); // the smoke run tested on 200
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        assertTrue(evaluated.out().contains(String.format(Locale.ROOT, "acc: %.4f (", accuracy)), "evaluate reproduces test.json: " + evaluated.out());
    }
}
