package dev.cifar10.bench;

import dev.cifar10.util.Stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BenchRecordTest {
    @TempDir
    Path tmp;

    static BenchRecord record(String framework, String backend, String label, double... imagesPerSecond) {
        return record(framework, backend, label, 2, "float32", 32, imagesPerSecond);
    }

    static BenchRecord record(String framework, String backend, String label, Integer threads, String dataType, int batchSize,
                              double... imagesPerSecond) {
        List<BenchRecord.Epoch> epochs = new ArrayList<>();
        for (int i = 0; i < imagesPerSecond.length; i++) {
            double s = 3200 / imagesPerSecond[i];
            epochs.add(new BenchRecord.Epoch(i + 1, s + 1, s, 100, 1000 * s / 100, imagesPerSecond[i], 1, 1372));
        }
        return new BenchRecord(BenchRecord.SCHEMA, BenchRecord.SCHEMA_VERSION, "2026-11-27T21:00:00Z", label,
                new BenchRecord.Framework(framework, "1"), new BenchRecord.Project("0.1.0", "abc1234"),
                new BenchRecord.Host("box", "Linux", "AMD EPYC", 2, 24L << 30), "Java 17",
                new BenchRecord.Backend(backend, "linux-x86_64-onednn-avx512", "oneDNN", threads, List.of("avx512f"), Map.of("workers", 1), null),
                backend.equals("cuda") ? new BenchRecord.Gpu("NVIDIA RTX A4000", "8.6", 16L << 30, "535.104.05", "11.6", "8.3") : null,
                dataType, batchSize, new BenchRecord.Data("synthetic", 3200, 1372), 3200, 20, epochs,
                BenchRecord.medianOf(epochs), BenchRecord.spreadOf(epochs), BenchRecord.NotebookEpoch.of(BenchRecord.medianOf(epochs)),
                new BenchRecord.Memory(600L << 20, 140L << 20, 300L << 20, null));
    }

    @Test
    void roundTripsThroughAResultsFile() throws Exception {
        Path file = tmp.resolve("results.jsonl");
        BenchRecord a = record("deeplearning4j", "cpu", "a", 400, 500, 520), b = record("pytorch", "cpu", "b", 510, 515, 530);
        BenchResults.append(file, a);
        BenchResults.append(file, b);
        assertEquals(2, Files.readAllLines(file).size(), "JSON Lines: one record a line");
        StringWriter warnings = new StringWriter();
        List<BenchResults.Loaded> loaded = BenchResults.read(List.of(file), new PrintWriter(warnings, true));
        assertEquals("", warnings.toString());
        assertEquals(List.of(a, b), loaded.stream().map(BenchResults.Loaded::record).toList());
        assertEquals(2, loaded.get(1).line());
    }

    /** A field added by a newer writer, at any depth (an epoch, the median, the backend), does not make the record unreadable. */
    @Test
    void readsRecordsWithFieldsItDoesNotKnowAtAnyDepth() throws Exception {
        Path file = tmp.resolve("newer.jsonl");
        BenchRecord a = record("pytorch", "cpu", "a", 400, 500, 520);
        ObjectMapper json = new ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.valueToTree(a);
        tree.put("newTopLevel", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("epochs").get(0)).put("minorPageFaults", 12345);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("median")).put("p90", 1.0);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("backend")).put("compiler", "gcc");
        Files.writeString(file, json.writeValueAsString(tree) + "\n");
        StringWriter warnings = new StringWriter();
        List<BenchResults.Loaded> loaded = BenchResults.read(List.of(file), new PrintWriter(warnings, true));
        assertEquals("", warnings.toString());
        assertEquals(List.of(a), loaded.stream().map(BenchResults.Loaded::record).toList());
    }

    @Test
    void hasTheDocumentedSchema() throws Exception {
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(record("deeplearning4j", "cuda", "", 100, 200, 300)));
        assertEquals("cifar10-dl4j/bench-record", json.get("schema").asText());
        assertEquals(1, json.get("schemaVersion").asInt());
        for (String field : List.of("time", "label", "framework", "project", "host", "runtime", "backend", "gpu", "dataType", "batchSize",
                "data", "imagesPerEpoch", "warmupSteps", "epochs", "median", "spread", "notebookEpoch", "memory")) {
            assertTrue(json.has(field), field);
        }
        assertEquals(200, json.at("/median/imagesPerSecond").asDouble(), 1e-9, "median of 100, 200, 300");
        assertEquals(100, json.at("/spread/imagesPerSecondMin").asDouble(), 1e-9);
        assertEquals("8.6", json.at("/gpu/computeCapability").asText());
        assertEquals(3, json.get("epochs").size());
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(new double[]{4, 1, 3, 2}), 1e-12);
    }
}
