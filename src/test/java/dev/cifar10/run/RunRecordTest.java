package dev.cifar10.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.CpuInfo;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.Profiles;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** run.json: the typed record train writes and resume, evaluate and the Spark job read back. */
class RunRecordTest {
    @TempDir
    Path tmp;

    static final BackendInfo CPU = new BackendInfo("cpu", "cpu", "linux-x86_64-onednn", "oneDNN", new CpuInfo("Test CPU", 2, Set.of()),
            List.of(), null, Map.of(), Map.of("ompThreads", 2));

    static RunRecord started(RunConfig config) {
        Standardisation stats = new Standardisation(new double[]{125.3, 122.9, 113.8}, new double[]{62.9, 62.0, 66.7});
        return RunRecord.start(config, CPU, RunRecord.Data.of("synthetic", 600, TrainValidationSplit.of(600, 0.3, 777), 200, stats));
    }

    static RunConfig quick() {
        return RunConfig.resolve("quick", Profiles.load("quick"), Map.of());
    }

    @Test
    void readsBackWhatItWrote() {
        RunDirectory run = RunDirectory.create(tmp.resolve("run"));
        started(quick()).write(run);
        RunRecord running = RunRecord.read(run.path());
        assertEquals(RunRecord.SCHEMA, running.schema());
        assertEquals(RunRecord.SCHEMA_VERSION, running.schemaVersion());
        assertEquals(RunRecord.Status.RUNNING, running.status());
        assertEquals(quick().asMap(), running.config().asMap());
        assertEquals(180, running.data().validationImages());
        assertArrayEquals(new double[]{62.9, 62.0, 66.7}, running.data().standardisation().std());
        assertEquals("oneDNN", running.backend().layerHelpers());
        assertNull(running.test());

        running.completed(new EvaluationResult(1.5, 0.42, new Evaluation(10))).write(run);
        RunRecord completed = RunRecord.read(run.path());
        assertEquals(RunRecord.Status.COMPLETED, completed.status());
        assertEquals(0.42, completed.test().accuracy());
        assertNotNull(completed.finished());
    }

    @Test
    void readsAndResumesTheUnversionedRunJsonOfThePreviousVersion() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("old"));
        try (InputStream in = getClass().getResourceAsStream("/run-records/unversioned-run.json")) {
            Files.copy(in, dir.resolve(RunRecord.FILE));
        }
        RunRecord old = RunRecord.read(dir);
        assertEquals("smoke", old.config().profile());
        assertEquals(600, old.config().maxTrainImages());
        assertArrayEquals(new double[]{125.3, 122.9, 113.8}, old.data().standardisation().mean());

        RunConfig longer = old.config().with(Map.of("epochs", "3"));
        old.resumed(longer, 1, CPU).write(RunDirectory.open(dir));
        RunRecord resumed = RunRecord.read(dir);
        assertEquals(RunRecord.SCHEMA_VERSION, resumed.schemaVersion(), "rewritten in the current format");
        assertEquals(3, resumed.config().epochs());
        assertEquals(1, resumed.resumptions().get(0).afterEpoch());
        assertEquals("2026-11-27T21:13:01.123Z", resumed.started());
    }

    @Test
    void ignoresFieldsAndStatusesItDoesNotKnow() throws IOException {
        Path dir = written(json -> {
            json.put("interruptedBy", "SIGTERM");
            json.put("status", "paused"); // a status of a newer version
            ((ObjectNode) json.get("backend")).put("fallbackReason", "no GPU");
        });
        RunRecord record = RunRecord.read(dir);
        assertEquals(RunRecord.Status.UNKNOWN, record.status());
        assertEquals("quick", record.config().profile());
    }

    @Test
    void refusesNewerForeignIncompleteAndInvalidRecords() throws IOException {
        assertRefused(json -> json.put("schemaVersion", RunRecord.SCHEMA_VERSION + 1), "newer");
        assertRefused(json -> json.put("schema", "cifar10-dl4j/bench-record"), "not a cifar10-dl4j/run-record");
        assertRefused(json -> ((ObjectNode) json.get("data")).remove("channelStd"), "channel statistics");
        assertRefused(json -> json.remove("config"), "config");
        assertRefused(json -> ((ObjectNode) json.get("config")).put("epochs", 0), "epochs");
        ConfigException missing = assertThrows(ConfigException.class, () -> RunRecord.read(tmp));
        assertTrue(missing.getMessage().contains("no such file") && missing.getMessage().contains("run.json"), missing.getMessage());
    }

    private void assertRefused(Consumer<ObjectNode> edit, String expected) throws IOException {
        Path dir = written(edit);
        ConfigException e = assertThrows(ConfigException.class, () -> RunRecord.read(dir));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(dir.toString()), e.getMessage());
    }

    /** A record as train writes it, edited as JSON. */
    private Path written(Consumer<ObjectNode> edit) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "run");
        ObjectNode json = RunDirectory.JSON.valueToTree(started(quick()));
        edit.accept(json);
        RunDirectory.JSON.writeValue(dir.resolve(RunRecord.FILE).toFile(), json);
        return dir;
    }
}
