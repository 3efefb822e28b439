package dev.cifar10.bench;

import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.StandardOpenOption;
import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cifar10.bench.BenchRecordTest.record;
import static org.junit.jupiter.api.Assertions.*;

/** report on fixture records from two "machines", with a malformed and a foreign line among them. */
class ReportTest {
    @TempDir
    Path tmp;

    @Test
    void tablesAndChartsRecordsOfManyFilesSkippingBadLinesWithTheirPlace() throws Exception {
        Path mine = tmp.resolve("mine.jsonl"), theirs = tmp.resolve("theirs.jsonl");
        BenchResults.append(mine, record("deeplearning4j", "cpu", "laptop", 300, 310, 320));
        BenchResults.append(mine, record("pytorch", "cpu", "laptop", 400, 410, 420));
        Files.writeString(mine, "{\"schema\": \"cifar10-dl4j/bench-record\", \"schemaVersion\": 1, \"median\": \n",
                StandardOpenOption.APPEND); // cut off mid-write: line 3
        Files.writeString(theirs, "{\"schema\": \"someone-else/v2\", \"value\": 1}\n"); // foreign: line 1
        BenchResults.append(theirs, record("deeplearning4j", "cuda", "workstation", 2000, 2100, 2200));

        Outcome o = Cli.run("report", mine.toString(), theirs.toString(), "--baseline", "pytorch",
                "--markdown", tmp.resolve("r.md").toString(), "--chart", tmp.resolve("r.png").toString());
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.err().contains("skipped " + mine + ":3: not a JSON record"), o.err());
        assertTrue(o.err().contains("skipped " + theirs + ":1: not a cifar10-dl4j/bench-record record"), o.err());

        List<String> table = Files.readAllLines(tmp.resolve("r.md"));
        assertEquals(7, table.size(), String.join("\n", table)); // header, rule, 3 rows, blank, the notebook's line
        // grouped by backend (cpu before cuda), fastest first within a group
        assertTrue(table.get(2).contains("pytorch") && table.get(2).contains("| 1.00x |"), table.get(2));
        assertTrue(table.get(3).contains("deeplearning4j 1 [laptop]") && table.get(3).contains("| 0.76x |"), table.get(3));
        assertTrue(table.get(4).contains("cuda") && table.get(4).contains("NVIDIA RTX A4000") && table.get(4).contains("| 5.12x |"), table.get(4));
        assertTrue(table.get(4).contains("| 16.7 |"), "seconds per 35,000-image epoch at 2,100 images/s: " + table.get(4));
        assertEquals(1200, ImageIO.read(tmp.resolve("r.png").toFile()).getWidth());
        assertFalse(o.err().contains("not like for like"), "same threads, data type and batch everywhere: " + o.err());
    }

    @Test
    void everyRowNamesItsThreadsDataTypeAndBatchAndTheUnlikeOnesAreMarked() throws Exception {
        Path results = tmp.resolve("mixed.jsonl");
        BenchResults.append(results, record("pytorch", "cpu", "default threads", 1, "float32", 32, 250, 260, 270)); // baseline
        BenchResults.append(results, record("deeplearning4j", "cpu", "", 2, "float32", 32, 400, 410, 420));
        BenchResults.append(results, record("pytorch", "cpu", "amx", 1, "bfloat16-autocast", 32, 900, 910, 920));
        BenchResults.append(results, record("deeplearning4j", "cuda", "", 2, "float32", 32, 5000, 5100, 5200));
        BenchResults.append(results, record("pytorch", "cuda", "big batch", 2, "float32", 512, 90000, 91000, 92000));

        Outcome o = Cli.run("report", results.toString(), "--baseline", "default threads",
                "--markdown", tmp.resolve("m.md").toString(), "--chart", tmp.resolve("m.png").toString());
        assertEquals(0, o.exitCode(), o.err());
        List<String> table = Files.readAllLines(tmp.resolve("m.md"));
        String header = table.get(0);
        for (String column : List.of("| threads |", "| data type |", "| batch |", "notebook epoch as Keras counts it",
                "notebook epoch, training only", "like for like with #3")) {
            assertTrue(header.contains(column), column + " in " + header);
        }
        // cpu rows first, fastest first: #1 pytorch bf16, #2 dl4j, #3 pytorch 1 thread (the baseline); then cuda: #4 batch 512, #5 dl4j
        assertTrue(table.get(2).contains("| 1 | bfloat16-autocast | 32 |") && table.get(2).contains("**no**: bfloat16-autocast vs float32"), table.get(2));
        assertTrue(table.get(3).contains("| AMD EPYC @ box | 2 | float32 | 32 |") && table.get(3).contains("**no**: 2 vs 1 threads"), table.get(3));
        assertTrue(table.get(4).contains("| AMD EPYC @ box | 1 |") && table.get(4).contains("| baseline |"), "its own thread count: " + table.get(4));
        assertTrue(table.get(5).contains("**no**: batch 512 vs 32"), table.get(5));
        assertTrue(table.get(6).contains("NVIDIA RTX A4000 (cc 8.6) @ box") && table.get(6).endsWith("| yes |"),
                "a GPU row's host threads do not make it unlike: " + table.get(6));
        // 35,000 / 260 + 15,000 / 1,372 = 134.6 + 10.9 = 145.5 s as Keras counts it; 134.6 s training alone
        assertTrue(table.get(4).contains("| 145.5 | 134.6 |"), table.get(4));
        assertTrue(table.contains(Report.NOTEBOOK_LINE), "the notebook's 7 s as a reference line");
        for (int row : new int[]{1, 2, 4}) {
            assertTrue(o.err().contains("Warning: row #" + row + " is not like for like with the baseline #3"), row + ": " + o.err());
        }
        assertFalse(o.err().contains("row #5 "), o.err());
        assertTrue(String.join("\n", table).contains("Warning: row #2 is not like for like"), "the warnings in the Markdown too");

        Report report = new Report(BenchResults.read(List.of(results), new java.io.PrintWriter(java.io.Writer.nullWriter()))
                .stream().map(BenchResults.Loaded::record).toList(), "default threads");
        assertTrue(report.chartLine(1).startsWith("#2*  deeplearning4j 1, cpu AMD EPYC @ box, 2 threads, float32, batch 32"), report.chartLine(1));
        assertTrue(report.chartLine(1).contains("NOT LIKE FOR LIKE: 2 vs 1 threads"), report.chartLine(1));
        assertTrue(report.chartLine(4).startsWith("#5  deeplearning4j 1, cuda NVIDIA RTX A4000 (cc 8.6) @ box, 2 threads"), report.chartLine(4));
        var png = ImageIO.read(tmp.resolve("m.png").toFile());
        assertEquals(460 + 18 * 5 + 16, png.getHeight(), "the chart and one line per row below it");
    }

    @Test
    void refusesWhenNothingIsUsableOrTheBaselineMatchesNoRow() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "not json\n");
        Outcome none = Cli.run("report", bad.toString(), "--markdown", tmp.resolve("x.md").toString(), "--chart", tmp.resolve("x.png").toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("No usable benchmark records"), none.err());
        assertFalse(Files.exists(tmp.resolve("x.md")));

        Path good = tmp.resolve("good.jsonl");
        BenchResults.append(good, record("deeplearning4j", "cpu", "", 300, 310, 320));
        Outcome baseline = Cli.run("report", good.toString(), "--baseline", "tensorflow",
                "--markdown", tmp.resolve("y.md").toString(), "--chart", tmp.resolve("y.png").toString());
        assertEquals(2, baseline.exitCode());
        assertTrue(baseline.err().contains("'tensorflow' matches no row"), baseline.err());
    }
}
