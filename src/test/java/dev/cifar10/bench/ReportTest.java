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
        assertEquals(5, table.size(), String.join("\n", table)); // header, rule, 3 rows
        // grouped by backend (cpu before cuda), fastest first within a group
        assertTrue(table.get(2).contains("pytorch") && table.get(2).contains("| 1.00x |"), table.get(2));
        assertTrue(table.get(3).contains("deeplearning4j 1 [laptop]") && table.get(3).contains("| 0.76x |"), table.get(3));
        assertTrue(table.get(4).contains("cuda") && table.get(4).contains("NVIDIA RTX A4000") && table.get(4).contains("| 5.12x |"), table.get(4));
        assertTrue(table.get(4).contains("| 16.7 |"), "seconds per 35,000-image epoch at 2,100 images/s: " + table.get(4));
        assertEquals(1200, ImageIO.read(tmp.resolve("r.png").toFile()).getWidth());
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
