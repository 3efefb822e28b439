package dev.cifar10.bench;

import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.SampleData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A short real bench on the sample records writes a valid record. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void benchOnTheSampleAppendsAValidRecord() {
        Path results = tmp.resolve("results.jsonl");
        Outcome o = Cli.run("bench", "--data", SampleData.DIR.toString(), "--max-train-images", "0", "--epochs", "2", "--steps", "6",
                "--warmup-steps", "2", "--results", results.toString(), "--label", "test box");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("Median: ") && o.out().contains("images/s train") && o.out().contains("Peak memory: "), o.out());
        assertTrue(o.out().contains("as Keras counts it (training "), "the notebook epoch, training + validation: " + o.out());
        StringWriter warnings = new StringWriter();
        List<BenchResults.Loaded> loaded = BenchResults.read(List.of(results), new PrintWriter(warnings, true));
        assertEquals("", warnings.toString());
        assertEquals(1, loaded.size());
        BenchRecord r = loaded.get(0).record();
        assertNull(r.problem());
        assertEquals("deeplearning4j", r.framework().name());
        assertEquals("test box", r.label());
        assertEquals(2, r.epochs().size());
        assertEquals(6, r.epochs().get(0).steps());
        assertEquals(192, r.imagesPerEpoch(), "6 steps of 32");
        assertEquals(1423, r.data().trainImages());
        assertTrue(r.median().imagesPerSecond() > 0 && r.median().validationImagesPerSecond() > 0);
        assertTrue(r.memory().peakRssBytes() > r.memory().peakHeapBytes());
        assertFalse(r.backend().nativeVariant().isBlank());
        assertFalse(r.host().cpuModel().isBlank());
        BenchRecord.NotebookEpoch n = r.notebookEpoch();
        assertEquals(35_000 / r.median().imagesPerSecond() + 15_000 / r.median().validationImagesPerSecond(), n.kerasEpochSeconds(), 1e-9);
    }

    @Test
    void breakdownTimesEveryPhaseAndLayerTypeAndWritesNoRecord() {
        Path results = tmp.resolve("none.jsonl");
        Outcome o = Cli.run("bench", "--breakdown", "2", "--warmup-steps", "1", "--batch-size", "4", "--max-train-images", "200",
                "--results", results.toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("Step breakdown: DL4J, batch 4"), o.out());
        for (String line : List.of("data (next batch)", "forward", "backward", "updater (Adam)", "whole step",
                "layer ConvolutionLayer (+ReLU) x6 forward", "layer ConvolutionLayer (+ReLU) x6 backward", "layer SubsamplingLayer x3 backward",
                "layer DropoutLayer x3 forward", "layer DenseLayer (+ReLU) x1 backward", "layer OutputLayer (dense + softmax + loss) x1 backward")) {
            assertTrue(o.out().contains("  " + line), line + " in " + o.out());
        }
        assertFalse(java.nio.file.Files.exists(results));
        assertEquals(2, Cli.run("bench", "--breakdown", "-1").exitCode());
    }

    @Test
    void benchTimesParallelWrapperWorkersWhenAsked() {
        Path results = tmp.resolve("workers.jsonl");
        Outcome o = Cli.run("bench", "--data", SampleData.DIR.toString(), "--epochs", "1", "--steps", "4", "--warmup-steps", "1",
                "--workers", "2", "--results", results.toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("(batch 32, 2 workers)"), o.out());
        BenchRecord r = BenchResults.read(List.of(results), new PrintWriter(new StringWriter(), true)).get(0).record();
        assertEquals(2, r.backend().settings().get("workers"));
        assertEquals(4, r.epochs().get(0).steps(), "each batch counted once across the workers");
    }
}
