package dev.cifar10.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import dev.cifar10.data.Cifar10Download;
import dev.cifar10.data.DataException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cifar10.Cli.run;
import static org.junit.jupiter.api.Assertions.*;

/** Faults made for real, not simulated: a size-limited process, a diverging network, concurrent downloads, traced system calls. */
class RealFaultsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String output(Process p, Path log) throws Exception {
        assertTrue(p.waitFor(4, TimeUnit.MINUTES), "process did not finish");
        return Files.readString(log);
    }

    static List<String> temporaryFiles(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void aFullDiskStopsTheRunWithExitFourKeepsEveryPreviousFileWholeAndTheRunResumesWhenSpaceIsBack() throws Exception {
        Path dir = tmp.resolve("full");
        Outcome first = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--out", dir.toString());
        assertEquals(0, first.exitCode(), first.err());
        Map<String, byte[]> before = new HashMap<>();
        for (String f : new String[]{"checkpoint.json", "checkpoint-epoch-0001.zip", "model.zip", "history.csv", "history.json", "curves.png"}) {
            before.put(f, Files.readAllBytes(dir.resolve(f)));
        }

        // files may not grow beyond 4 MiB in this process: epoch 2 trains, then its 9.8 MB checkpoint cannot be written
        Path log = tmp.resolve("full.log");
        Process p = JavaProcess.trainWithFileSizeLimit(log, 4096, "--resume", dir.toString(), "--epochs", "2");
        String out = output(p, log);
        assertEquals(4, p.exitValue(), out);
        assertTrue(out.contains("Epoch 2/2") && out.contains("Cannot write " + dir.resolve("checkpoint-epoch-0002.zip"))
                && out.contains("File too large"), out);
        before.forEach((name, bytes) -> {
            try {
                assertArrayEquals(bytes, Files.readAllBytes(dir.resolve(name)), name + " must stay whole and unchanged");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(List.of(), temporaryFiles(dir), "no temporary file left");
        assertFalse(Files.exists(dir.resolve("checkpoint-epoch-0002.zip")));
        assertEquals("failed", JSON.readTree(dir.resolve("run.json").toFile()).get("status").asText());

        Outcome resumed = run("train", "--resume", dir.toString(), "--epochs", "2"); // space is back
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("after epoch 1 of 2") && resumed.out().contains("Epoch 2/2"), resumed.out());
        assertEquals(3, Files.readAllLines(dir.resolve("history.csv")).size());
    }

    @Test
    void aDivergingRunExitsSixAndSavesNoDivergedWeights() throws Exception {
        // a learning rate of 999 sends the real network to NaN at its second step
        Path dir = tmp.resolve("nan");
        Outcome o = run("train", "--profile", "smoke", "--data", "synthetic", "--epochs", "2", "--learning-rate", "999",
                "--out", dir.toString());
        assertEquals(6, o.exitCode(), o.err() + o.out());
        assertTrue(o.err().contains("NaN") && o.err().contains("--learning-rate"), o.err());
        assertEquals("diverged", JSON.readTree(dir.resolve("run.json").toFile()).get("status").asText());
        assertFalse(Files.exists(dir.resolve("checkpoint.json")) || Files.exists(dir.resolve("model.zip")), "nothing diverged is saved");

        // One step per epoch: the step's own loss is finite (it is computed before the update), the weights it leaves
        // are not usable: Adam's first step moves every weight by about the learning rate, and at 1e6 the next forward
        // pass overflows to NaN. Validation must catch them. (At 999 the NHWC network's output saturates to a finite
        // loss of 13.8 instead of NaN, so that run legitimately keeps epoch 1.)
        Path oneStep = tmp.resolve("nan-one-step");
        Outcome v = run("train", "--profile", "smoke", "--data", "synthetic", "--max-train-images", "46", "--epochs", "2",
                "--learning-rate", "1000000", "--out", oneStep.toString());
        assertEquals(6, v.exitCode(), v.err() + v.out());
        assertFalse(v.err().contains("\tat "), v.err());
        assertFalse(Files.exists(oneStep.resolve("checkpoint.json")), "diverged weights must not become the checkpoint to resume from");
    }

    @Test
    void aRunThatDivergesAfterAGoodEpochStopsWithExitSixAndKeepsThatEpochsCheckpoint() throws Exception {
        Path dir = tmp.resolve("good-then-nan");
        Outcome first = run("train", "--profile", "smoke", "--data", "synthetic", "--epochs", "1", "--out", dir.toString());
        assertEquals(0, first.exitCode(), first.err() + first.out());
        // Epoch 1 trained well. Its checkpoint's Adam rate raised to 1e5 (and its SHA-256 recorded again, which resume
        // checks): epoch 2, resumed from it, overflows to a NaN loss at once.
        Path zip = dir.resolve("checkpoint-epoch-0001.zip");
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);
        net.setLearningRate(1e5);
        ModelSerializer.writeModel(net, zip.toFile(), true);
        ObjectNode checkpoint = (ObjectNode) JSON.readTree(dir.resolve("checkpoint.json").toFile());
        checkpoint.put("modelSha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(zip))));
        JSON.writeValue(dir.resolve("checkpoint.json").toFile(), checkpoint);
        Files.copy(zip, dir.resolve("model.zip"), StandardCopyOption.REPLACE_EXISTING); // model.zip is the checkpoint's bytes
        List<String> kept = List.of("checkpoint.json", "checkpoint-epoch-0001.zip", "model.zip", "history.csv", "history.json", "curves.png");
        Map<String, byte[]> before = new HashMap<>();
        for (String f : kept) before.put(f, Files.readAllBytes(dir.resolve(f)));

        Outcome resumed = run("train", "--resume", dir.toString(), "--epochs", "2");
        assertEquals(6, resumed.exitCode(), resumed.err() + resumed.out());
        assertTrue(resumed.err().contains("NaN") && resumed.err().contains("--learning-rate") && !resumed.err().contains("\tat "), resumed.err());
        assertEquals("diverged", JSON.readTree(dir.resolve("run.json").toFile()).get("status").asText());
        for (String f : kept) assertArrayEquals(before.get(f), Files.readAllBytes(dir.resolve(f)), f + " of the good epoch stays as it was");
        assertFalse(Files.exists(dir.resolve("checkpoint-epoch-0002.zip")), "no checkpoint of diverged weights");
        assertEquals(List.of(), temporaryFiles(dir));
    }

    @Test
    void aDivergingRunWithTwoWorkersExitsSixToo() throws Exception {
        Path log = tmp.resolve("nan-workers.log"), dir = tmp.resolve("nan-workers");
        Process p = JavaProcess.train(log, "--profile", "smoke", "--data", "synthetic", "--epochs", "2",
                "--learning-rate", "999", "--workers", "2", "--out", dir.toString());
        String out = output(p, log);
        assertEquals(6, p.exitValue(), out);
        assertTrue(out.contains("Error: The training loss became NaN") && !out.contains("\tat "), out);
        assertEquals("diverged", JSON.readTree(dir.resolve("run.json").toFile()).get("status").asText());
    }

    @Test
    void twoProcessesDownloadingIntoTheSameEmptyCacheBothSucceed() throws Exception {
        try (SlowArchiveServer server = new SlowArchiveServer()) {
            Path cache = tmp.resolve("shared-cache");
            String[] args = {server.url(), server.md5(), String.valueOf(server.size()), cache.toString()};
            Process a = JavaProcess.start(tmp.resolve("a.log"), List.of("-Xmx256m"), DownloadMain.class.getName(), args);
            Process b = JavaProcess.start(tmp.resolve("b.log"), List.of("-Xmx256m"), DownloadMain.class.getName(), args);
            String outA = output(a, tmp.resolve("a.log")), outB = output(b, tmp.resolve("b.log"));
            assertEquals(0, a.exitValue(), outA);
            assertEquals(0, b.exitValue(), outB);
            assertTrue((outA + outB).contains("Another process is downloading into " + cache), "one waited for the other: " + outA + outB);
            assertEquals(server.md5(), Cifar10Download.md5(cache.resolve("cifar-10-binary.tar.gz")));
            assertEquals(1017, Files.size(cache.resolve("cifar-10-batches-bin/data_batch_1.bin")) / 3073);
        }
    }

    @Test
    void anUnwritableCacheDirectoryFailsAtOnceNamingCacheDir() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("read-only-cache"));
        assertTrue(cache.toFile().setWritable(false, false));
        if (Files.isWritable(cache)) cache = Path.of("/sys"); // root ignores permission bits; sysfs refuses new files to everyone
        try (SlowArchiveServer server = new SlowArchiveServer()) {
            long start = System.nanoTime();
            Path unwritable = cache;
            DataException e = assertThrows(DataException.class, () -> new Cifar10Download(URI.create(server.url()), server.size(), server.md5(),
                    unwritable, 4, Duration.ofSeconds(1), Duration.ofSeconds(5)).ensure());
            assertTrue(e.getMessage().contains("--cache-dir") && e.getMessage().contains(cache.toString()), e.getMessage());
            assertEquals(0, server.requests(), "no transfer was attempted");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "no retries with backoff");
        } finally {
            tmp.resolve("read-only-cache").toFile().setWritable(true);
        }
        Outcome o = run("train", "--profile", "smoke", "--data", "download", "--cache-dir", cache.toString(), "--out", tmp.resolve("r").toString());
        assertEquals(3, o.exitCode(), o.err());
        assertTrue(o.err().contains("Pass a writable --cache-dir"), o.err());
    }

    @Test
    void impossibleSizesAreRefusedWithExitTwoBeforeAnyWork() {
        Path out = tmp.resolve("never");
        Outcome split = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--validation-split", "0.999", "--out", out.toString());
        assertEquals(2, split.exitCode(), split.err());
        assertTrue(split.err().contains("--validation-split 0.999 holds out all 600 training records"), split.err());
        Outcome huge = run("train", "--profile", "smoke", "--data", "synthetic", "--max-train-images", "700000", "--out", out.toString());
        assertEquals(2, huge.exitCode(), huge.err());
        assertTrue(huge.err().contains("max-train-images (from --max-train-images): allowed is an integer from 0 to 699050"), huge.err());
        Outcome batch = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--batch-size", "500", "--out", out.toString());
        assertEquals(2, batch.exitCode(), batch.err());
        assertTrue(batch.err().contains("--batch-size 500 is larger than the 420 training images"), batch.err());
        Outcome steps = Cli.run("bench", "--steps", "0", "--results", tmp.resolve("results.jsonl").toString());
        assertEquals(2, steps.exitCode(), steps.err());
        assertTrue(steps.err().contains("--steps 0") && steps.err().contains("leave --steps out for whole epochs"), steps.err());
        assertFalse(Files.exists(out) || Files.exists(tmp.resolve("results.jsonl")), "nothing was written");
    }

    @Test
    void everyRenameIntoTheRunDirectoryIsFollowedByASyncOfTheDirectory() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/strace")), "needs strace to see the system calls");
        Path dir = tmp.resolve("synced"), trace = tmp.resolve("trace.txt"), log = tmp.resolve("write.log");
        Process p = JavaProcess.startUnder(List.of("strace", "-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2,fsync,fdatasync,close",
                "-o", trace.toString()), log, List.of("-Xmx128m"), WriteMain.class.getName(), dir.toString());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        Assumptions.assumeFalse(Files.readString(log).contains("PTRACE_TRACEME") || Files.readString(log).contains("Operation not permitted"),
                "strace may not trace here: " + Files.readString(log));
        assertEquals(0, p.exitValue(), Files.readString(log));

        List<String> calls = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) calls.add(line.replaceFirst("^\\d+\\s+", ""));
        int rename = -1;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).matches("rename(at2?)?\\(.*\\.history\\.csv\\.tmp\".*history\\.csv\".*= 0")) rename = i;
        }
        assertTrue(rename >= 0, "the atomic rename of history.csv: " + String.join("\n", calls));
        Pattern openDir = Pattern.compile("openat\\(AT_FDCWD, \"" + Pattern.quote(dir.toString()) + "\", O_RDONLY[^)]*\\) = (\\d+)");
        String fd = null;
        for (int i = rename + 1; i < calls.size(); i++) {
            Matcher m = openDir.matcher(calls.get(i));
            if (fd == null && m.find()) fd = m.group(1);
            else if (fd != null && calls.get(i).matches("f(data)?sync\\(" + fd + "\\)\\s+= 0")) return;
        }
        fail("no fsync of " + dir + " after the rename: " + String.join("\n", calls.subList(rename, calls.size())));
    }
}
