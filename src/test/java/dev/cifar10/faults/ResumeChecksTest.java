package dev.cifar10.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static dev.cifar10.Cli.run;
import static org.junit.jupiter.api.Assertions.*;

/** What resume checks before it touches a run: the checkpoint, the data, the workers. Each refusal leaves the run as it was. */
class ResumeChecksTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    /** One epoch of the smoke profile on a copy of the sample (all 2,034 records), checkpointed. */
    static Path oneEpoch, data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void oneEpochRun() throws Exception {
        data = SampleData.copyTo(shared.resolve("data"));
        oneEpoch = shared.resolve("one-epoch");
        Outcome o = run("train", "--profile", "smoke", "--data", data.toString(), "--max-train-images", "0", "--max-test-images", "100",
                "--out", oneEpoch.toString());
        assertEquals(0, o.exitCode(), o.err());
    }

    /** Every file of a run directory with its bytes, to show a refused resume changed nothing. */
    static Map<String, byte[]> contents(Path dir) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var list = Files.list(dir)) {
            for (Path p : list.sorted().toList()) if (!p.getFileName().toString().equals("run.lock")) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return files;
    }

    static void assertUnchanged(Map<String, byte[]> before, Path dir) throws Exception {
        Map<String, byte[]> after = contents(dir);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((name, bytes) -> assertArrayEquals(bytes, after.get(name), name + " changed"));
    }

    /** A copy of the one-epoch run, damaged by {@code damage}; resuming it must give exit 4 naming {@code file}, and change nothing. */
    void assertRefusedNaming(String label, String file, Consumer<Path> damage) throws Exception {
        Path run = tmp.resolve(label);
        PathUtils.copyDirectory(oneEpoch, run);
        damage.accept(run);
        Map<String, byte[]> before = contents(run);
        Outcome o = run("train", "--resume", run.toString(), "--epochs", "2");
        assertEquals(4, o.exitCode(), label + ": " + o.err() + o.out());
        assertTrue(o.err().contains(run.resolve(file).toString()), label + " names " + file + ": " + o.err());
        assertFalse(o.err().contains("\tat "), label + ": a message, not a stack trace: " + o.err());
        assertUnchanged(before, run);
    }

    static void rewrite(Path file, java.util.function.UnaryOperator<byte[]> change) {
        try {
            Files.write(file, change.apply(Files.readAllBytes(file)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] withOneWeightChanged(byte[] zip) {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream out = new ZipOutputStream(bytes)) {
                for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                    byte[] content = in.readAllBytes();
                    if (e.getName().equals("coefficients.bin")) content[content.length - 2] ^= 0x01;
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(content);
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void editCheckpointJson(Path run, Consumer<ObjectNode> edit) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(run.resolve("checkpoint.json").toFile());
            edit.accept(json);
            JSON.writeValue(run.resolve("checkpoint.json").toFile(), json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aDamagedMissingOrInconsistentCheckpointIsRefusedWithExitFourNamingTheFile() throws Exception {
        String zip = "checkpoint-epoch-0001.zip";
        assertRefusedNaming("truncated", zip, run -> rewrite(run.resolve(zip), b -> Arrays.copyOf(b, b.length / 2)));
        assertRefusedNaming("flipped-byte", zip, run -> rewrite(run.resolve(zip), b -> {
            b[b.length / 3] ^= 0x5A;
            return b;
        }));
        assertRefusedNaming("missing", zip, run -> run.resolve(zip).toFile().delete());
        // a valid zip, but not the bytes written: one weight changed, checksums inside the zip recomputed
        assertRefusedNaming("other-weights", zip, run -> rewrite(run.resolve(zip), ResumeChecksTest::withOneWeightChanged));
        assertRefusedNaming("epoch-ahead-of-history", "checkpoint.json", run -> editCheckpointJson(run, j -> j.put("epoch", 2)));
        assertRefusedNaming("other-model-file", "checkpoint.json", run -> editCheckpointJson(run, j -> j.put("modelFile", "checkpoint-epoch-0007.zip")));
        assertRefusedNaming("not-json", "checkpoint.json", run -> rewrite(run.resolve("checkpoint.json"), b -> Arrays.copyOf(b, 40)));
        // a checkpoint of an older version, without the zip's checksum: the zip itself is checked as it is restored
        assertRefusedNaming("truncated-unchecked", zip, run -> {
            editCheckpointJson(run, j -> j.remove("modelSha256"));
            rewrite(run.resolve(zip), b -> Arrays.copyOf(b, b.length / 2));
        });
    }

    @Test
    void resumeRefusesDataThatChangedSinceTheRunStartedNamingWhatChanged() throws Exception {
        Path run = tmp.resolve("data-changed");
        PathUtils.copyDirectory(oneEpoch, run);
        Path batch2 = data.resolve("data_batch_2.bin"), saved = tmp.resolve("data_batch_2.bin");
        Map<String, byte[]> before = contents(run);

        Files.move(batch2, saved); // a training file deleted between the kill and the resume
        try {
            Outcome deleted = run("train", "--resume", run.toString(), "--epochs", "2");
            assertEquals(2, deleted.exitCode(), deleted.err());
            assertTrue(deleted.err().contains("data changed") && deleted.err().contains("trainingRecords was 2034, now 1017"), deleted.err());
            assertUnchanged(before, run);
        } finally {
            Files.move(saved, batch2);
        }

        Path batch1 = data.resolve("data_batch_1.bin");
        byte[] original = Files.readAllBytes(batch1);
        byte[] relabelled = original.clone();
        relabelled[3073 * 5] = (byte) ((relabelled[3073 * 5] + 1) % 10); // one label: counts and pixel statistics stay the same
        Files.write(batch1, relabelled);
        try {
            Outcome label = run("train", "--resume", run.toString(), "--epochs", "2");
            assertEquals(2, label.exitCode(), label.err());
            assertTrue(label.err().contains("recordsSha256 was"), label.err());
            assertFalse(label.err().contains("trainingRecords"), label.err());
            assertUnchanged(before, run);
        } finally {
            Files.write(batch1, original);
        }

        Outcome same = run("train", "--resume", run.toString(), "--epochs", "2");
        assertEquals(0, same.exitCode(), "the same data again: " + same.err());
    }

    @Test
    void resumeOfARunWithTwoWorkersIsRefusedUnlessInexactIsAllowed() throws Exception {
        Path run = tmp.resolve("workers");
        Outcome o = run("train", "--profile", "smoke", "--data", SampleData.DIR.toString(), "--workers", "2", "--out", run.toString());
        assertEquals(0, o.exitCode(), o.err());
        Map<String, byte[]> before = contents(run);
        Outcome refused = run("train", "--resume", run.toString(), "--epochs", "2");
        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("2 workers") && refused.err().contains("not reproducible")
                && refused.err().contains("--allow-inexact-resume"), refused.err());
        assertUnchanged(before, run);

        Outcome allowed = run("train", "--resume", run.toString(), "--epochs", "2", "--allow-inexact-resume");
        assertEquals(0, allowed.exitCode(), allowed.err());
        assertTrue(allowed.out().contains("after epoch 1 of 2 (inexactly: 2 workers)") && allowed.out().contains("Epoch 2/2"), allowed.out());
    }
}
