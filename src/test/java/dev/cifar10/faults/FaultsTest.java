package dev.cifar10.faults;

import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.run.OutputException;
import dev.cifar10.run.RunDirectory;
import dev.cifar10.train.EpochProgress;
import dev.cifar10.train.NonFiniteLossException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.cifar10.Cli.run;
import static org.junit.jupiter.api.Assertions.*;

/** The fault table of docs/reliability.md, one test per entry that is not covered elsewhere. */
class FaultsTest {
    @TempDir
    Path tmp;

    private Path smokeRun(String name, int epochs) {
        Path dir = tmp.resolve(name);
        Outcome o = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--epochs", String.valueOf(epochs),
                "--out", dir.toString());
        assertEquals(0, o.exitCode(), o.err());
        return dir;
    }

    @Test
    void aRunDirectoryInUseIsRefusedAndItsTemporaryFilesLeftAlone() throws Exception {
        Path dir = smokeRun("busy", 1);
        RunDirectory run = RunDirectory.open(dir);
        try (AutoCloseable lock = run.lock()) {
            // the live run is half-way through writing history.csv: a refused resume must leave its temporary file alone
            Path liveTemporary = Files.writeString(dir.resolve(".history.csv.tmp"), "epoch,loss\n1,2.0\n2,");
            Outcome o = run("train", "--resume", dir.toString(), "--epochs", "2");
            assertEquals(4, o.exitCode(), o.err());
            assertTrue(o.err().contains("is in use by another training process"), o.err());
            assertTrue(Files.exists(liveTemporary), "the refused resume deleted the live run's temporary file");
        }
        Outcome later = run("train", "--resume", dir.toString(), "--epochs", "2");
        assertEquals(0, later.exitCode(), later.err() + "\nthe lock is gone with its holder");
        assertEquals(3, Files.readAllLines(dir.resolve("history.csv")).size());
    }

    @Test
    void aKillDuringTheCheckpointWriteLosesOnlyThatEpoch() throws Exception {
        Path dir = smokeRun("torn", 1);
        // what a kill in the middle of epoch 2's checkpoint leaves: half-written temporary files
        Files.write(dir.resolve(".checkpoint-epoch-0002.zip.tmp"), new byte[1234]);
        Files.writeString(dir.resolve(".checkpoint.json.tmp"), "{\"epoch\": 2, \"modelF");
        String before = Files.readString(dir.resolve("checkpoint.json"));
        assertTrue(before.contains("\"epoch\" : 1"));
        Outcome o = run("train", "--resume", dir.toString(), "--epochs", "2");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("after epoch 1 of 2"), o.out());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")), "temporary files are cleaned up");
        }
        assertTrue(Files.exists(dir.resolve("checkpoint-epoch-0002.zip")));
        assertFalse(Files.exists(dir.resolve("checkpoint-epoch-0001.zip")), "the older checkpoint is removed once the new one is named");
    }

    @Test
    void resumeRefusesOtherSettingsAndNonRuns() throws Exception {
        Path dir = smokeRun("settings", 1);
        Outcome o = run("train", "--resume", dir.toString(), "--batch-size", "64");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("only --epochs may change") && o.err().contains("--batch-size"), o.err());
        Outcome notARun = run("train", "--resume", tmp.toString());
        assertEquals(2, notARun.exitCode(), notARun.err());
        assertTrue(notARun.err().contains("run.json"), notARun.err());
    }

    @Test
    void aNonFiniteLossStopsTraining() {
        Backends.initialise(BackendOptions.defaults());
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(1));
        EpochProgress progress = new EpochProgress(10, "");
        net.setScore(Double.NaN);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> progress.iterationDone(net, 1, 0));
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("--learning-rate"), e.getMessage());
        net.setScore(Double.POSITIVE_INFINITY);
        assertThrows(NonFiniteLossException.class, () -> progress.iterationDone(net, 1, 0));
    }

    @Test
    void aFullDiskLeavesThePreviousFileWholeAndNoTemporaryFile() throws Exception {
        RunDirectory run = RunDirectory.create(tmp.resolve("full"));
        run.writeText("history.csv", "epoch,loss\n1,2.0\n");
        OutputException e = assertThrows(OutputException.class, () -> run.write("history.csv", out -> {
            out.write("epoch,loss\n1,2.0\n2,".getBytes());
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("untouched"), e.getMessage());
        assertEquals("epoch,loss\n1,2.0\n", Files.readString(tmp.resolve("full/history.csv")));
        try (var files = Files.list(tmp.resolve("full"))) {
            assertEquals(List.of("history.csv"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void anOutputDirectoryThatCannotBeCreatedIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Outcome o = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--out", file.resolve("run").toString());
        assertEquals(4, o.exitCode(), o.err());
        assertTrue(o.err().contains("Cannot create output directory"), o.err());
    }

    @Test
    void runningOutOfHeapNamesTheSettingToRaise() throws Exception {
        Path log = tmp.resolve("oom.log");
        Process p = JavaProcess.start(log, List.of("-Xmx48m"), "dev.cifar10.cli.Main",
                "train", "--profile", "smoke", "--data", "synthetic", "--max-train-images", "40000", "--out", tmp.resolve("oom").toString());
        assertTrue(p.waitFor(3, TimeUnit.MINUTES));
        String output = Files.readString(log);
        assertEquals(7, p.exitValue(), output);
        assertTrue(output.contains("Out of Java heap memory") && output.contains("-Xmx"), output);
    }

    /** Runs this program in a child JVM with these JVM options; asserts the exit code, returns the output. */
    private String runMain(String name, List<String> jvmOptions, int expectedExit, String... args) throws Exception {
        Path log = tmp.resolve(name + ".log");
        Process p = JavaProcess.start(log, jvmOptions, "dev.cifar10.cli.Main", args);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES));
        String output = Files.readString(log);
        assertEquals(expectedExit, p.exitValue(), output);
        return output;
    }

    @Test
    void runningOutOfNativeMemoryNamesJavaCppsLimits() throws Exception {
        String output = runMain("oom-native", List.of("-Xmx512m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=150M",
                "-Dorg.bytedeco.javacpp.maxbytes=100M"), 7,
                "train", "--profile", "smoke", "--data", "synthetic", "--out", tmp.resolve("oom-native").toString());
        assertTrue(output.contains("Out of native (off-heap) memory") && output.contains("org.bytedeco.javacpp.maxphysicalbytes"), output);
        assertTrue(output.contains("maxPhysicalBytes (150M), checked once a step"), "the user's cap, taken over: " + output);
    }

    @Test
    void evaluationChecksTheCapToo() throws Exception {
        Path run = tmp.resolve("trained");
        Outcome trained = run("train", "--profile", "smoke", "--data", "synthetic", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());
        // a 100 MB cap, which the natives alone exceed
        String output = runMain("oom-evaluate", List.of("-Xmx256m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=100M"), 7,
                "evaluate", run.toString(), "--data", "synthetic", "--max-test-images", "300");
        assertTrue(output.contains("Out of native (off-heap) memory") && output.contains("checked once a step"), output);
    }

    @Test
    void aCapJavaCppCannotReadIsRefusedWithTheSyntax() throws Exception {
        String output = runMain("bad-cap", List.of("-Dorg.bytedeco.javacpp.maxPhysicalBytes=lots"), 5,
                "train", "--profile", "smoke", "--data", "synthetic", "--out", tmp.resolve("bad-cap").toString());
        assertTrue(output.contains("maxPhysicalBytes=lots is not a size JavaCPP reads") && output.contains("10G"), output);
        assertFalse(output.contains("\tat "), "no stack trace: " + output);
    }

    /** Where and how often the cap is checked: {@code backend.PhysicalMemoryGuardTest} counts the checks. */
    @Test
    void withoutAUserCapJavaCppsDefaultCapStillStopsTheRun() throws Exception {
        // JavaCPP's default cap is maxBytes + 3 x the heap: with a 24 MB heap, 96 MB, which the natives alone exceed;
        // without a cap the run would go on and fail, if at all, on the 24 MB heap instead
        String output = runMain("oom-physical", List.of("-Xmx24m"), 7,
                "train", "--profile", "smoke", "--data", "synthetic", "--out", tmp.resolve("oom-physical").toString());
        assertTrue(output.contains("Out of native (off-heap) memory") && output.contains("Physical memory usage is too high"), output);
    }

    @Test
    void aKilledDownloadLeavesNoArchiveAndResumesNextTime() throws Exception {
        try (SlowArchiveServer server = new SlowArchiveServer()) {
            Path cache = tmp.resolve("cache");
            Path log = tmp.resolve("download.log");
            Process p = JavaProcess.start(log, List.of("-Xmx256m"), DownloadMain.class.getName(),
                    server.url(), server.md5(), String.valueOf(server.size()), cache.toString());
            Path part = cache.resolve("cifar-10-binary.tar.gz.part");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while ((!Files.exists(part) || Files.size(part) < 100_000) && System.nanoTime() < deadline) Thread.sleep(20);
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            long partial = Files.size(part);
            assertTrue(partial > 0 && partial < server.size(), "killed mid-transfer: " + partial + " of " + server.size());
            assertFalse(Files.exists(cache.resolve("cifar-10-binary.tar.gz")), "nothing unverified under the final name");
            assertFalse(Files.exists(cache.resolve("cifar-10-batches-bin")));

            server.fast();
            Process again = JavaProcess.start(tmp.resolve("again.log"), List.of("-Xmx256m"), DownloadMain.class.getName(),
                    server.url(), server.md5(), String.valueOf(server.size()), cache.toString());
            assertTrue(again.waitFor(1, TimeUnit.MINUTES));
            assertEquals(0, again.exitValue(), Files.readString(tmp.resolve("again.log")));
            assertEquals("bytes=" + partial + "-", server.lastRange(), "the second run asked only for the missing bytes");
            assertTrue(Files.isRegularFile(cache.resolve("cifar-10-batches-bin/test_batch.bin")));
        }
    }
}
