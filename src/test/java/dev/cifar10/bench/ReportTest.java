package dev.cifar10.bench;

import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.cifar10.bench.CraftedRecord.dl4j;
import static dev.cifar10.bench.CraftedRecord.pytorch;
import static org.junit.jupiter.api.Assertions.*;

/** report on crafted records whose medians, ranges and round pairings are known. */
class ReportTest {
    private static final Map<String, String> DL4J_OPENMP = Map.of("OMP_PROC_BIND", "true", "GOMP_SPINCOUNT", "1000");
    private static final String TUNED = "PyTorch 2.1.0, OMP_PROC_BIND=true GOMP_SPINCOUNT=1000", OWN = "PyTorch 2.1.0, OpenMP defaults",
            DL4J = "DL4J 1.0.0-M2.1";
    private static final String CI_RUNNER = "ci-runner: AMD EPYC 9V74, 4 logical cores, Linux 6.1.0-18-cloud-amd64 x86_64";
    // columns of a machine's table
    private static final int RUNS = 1, MEDIAN = 2, RANGE = 3, MS_PER_STEP = 4, KERAS_EPOCH = 5, TRAINING_ONLY = 6, THREADS = 7,
            SPEED = 10, PER_ROUND = 11, LIKE = 12;

    @TempDir
    Path tmp;

    private Path results(String name, CraftedRecord... records) throws Exception {
        Path file = tmp.resolve(name);
        for (CraftedRecord r : records) BenchResults.append(file, r.build());
        return file;
    }

    private Outcome report(String... args) {
        List<String> all = new ArrayList<>(List.of("report"));
        all.addAll(Arrays.asList(args));
        all.addAll(List.of("--markdown", tmp.resolve("report.md").toString(), "--chart", tmp.resolve("report.png").toString()));
        return Cli.run(all.toArray(String[]::new));
    }

    private Report direct(String baseline, Path... files) {
        return new Report(BenchResults.read(List.of(files), new PrintWriter(Writer.nullWriter())), baseline, false);
    }

    /** The rows of a machine's table, by configuration name, each as its cells. */
    private static Map<String, List<String>> table(String markdown, String machine) {
        int start = markdown.indexOf("\n## " + machine + "\n");
        assertTrue(start >= 0, "a section for " + machine + " in\n" + markdown);
        Map<String, List<String>> rows = new LinkedHashMap<>();
        String[] lines = markdown.substring(start).split("\n");
        for (int i = 5; i < lines.length && lines[i].startsWith("| "); i++) { // "", "## m", "", header, rule
            List<String> cells = cells(lines[i]);
            rows.put(cells.get(0), cells);
        }
        return rows;
    }

    private static List<String> cells(String line) {
        return Arrays.stream(line.substring(2, line.length() - 2).split(" \\| ")).map(String::strip).toList();
    }

    /** Three rounds of bench/compare-with-pytorch.sh: DL4J, PyTorch with its own OpenMP settings, PyTorch with DL4J's. */
    private Path threeRounds() throws Exception {
        double[][] perRound = {{800, 500, 1000}, {900, 600, 750}, {640, 425, 850}}; // means differ from medians
        List<CraftedRecord> records = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            double[] v = perRound[round - 1];
            records.add(dl4j(v[0]).label("round " + round + ", load 0." + round));
            records.add(pytorch(v[1]).label("round " + round + ", load 1." + round));
            records.add(pytorch(v[2]).openMp(DL4J_OPENMP).label("round " + round + ", load 2." + round + ", OMP_PROC_BIND=true GOMP_SPINCOUNT=1000"));
        }
        return results("compare.jsonl", records.toArray(CraftedRecord[]::new));
    }

    @Test
    void oneRowPerConfigurationWithTheMedianAndRangeOverRunsAndThePerRoundRatios() throws Exception {
        Outcome o = report(threeRounds().toString(), "--baseline", "pytorch OMP_PROC_BIND=true");
        assertEquals(0, o.exitCode(), o.err());
        String md = Files.readString(tmp.resolve("report.md"));
        assertEquals(md, o.out().substring(0, md.length()), "the Markdown is printed too");
        assertTrue(md.contains("9 records (`" + tmp.resolve("compare.jsonl") + "` 9): 3 configurations on 1 machine. Baseline: **" + TUNED
                + "** (`--baseline pytorch OMP_PROC_BIND=true`)"), md);
        assertEquals(1, md.split("\n## ci-runner").length - 1, "DL4J's amd64 and Python's x86_64 are one machine: " + md);

        Map<String, List<String>> rows = table(md, CI_RUNNER);
        assertEquals(List.of(TUNED, DL4J, OWN), List.copyOf(rows.keySet()), "one row per configuration, fastest first; labels differ per round");
        List<String> tuned = rows.get(TUNED), dl4j = rows.get(DL4J), own = rows.get(OWN);
        assertEquals(List.of("3", "850", "750-1,000"), tuned.subList(RUNS, RANGE + 1));
        assertEquals(List.of("1.00x (baseline)", "baseline", "baseline"), tuned.subList(SPEED, LIKE + 1));
        // DL4J 800, 900, 640 against 1000, 750, 850: ratios 0.80, 1.20, 0.753; medians 800 / 850 = 0.941
        assertEquals(List.of("3", "800", "640-900", "40.0"), dl4j.subList(RUNS, MS_PER_STEP + 1));
        assertEquals("51.3", dl4j.get(KERAS_EPOCH), "35,000 / 800 + 15,000 / 2,000 = 51.25 s as Keras counts it");
        assertEquals("43.8", dl4j.get(TRAINING_ONLY), "35,000 / 800 = 43.75 s training alone");
        assertEquals(List.of("0.94x", "0.80 (0.75-1.20; faster in 1 of 3 rounds)", "yes"), dl4j.subList(SPEED, LIKE + 1));
        // PyTorch's own settings 500, 600, 425: ratios 0.50, 0.80, 0.50; medians 500 / 850 = 0.588
        assertEquals(List.of("3", "500", "425-600"), own.subList(RUNS, RANGE + 1));
        assertEquals(List.of("0.59x", "0.50 (0.50-0.80; faster in 0 of 3 rounds)"), own.subList(SPEED, PER_ROUND + 1));
        assertTrue(md.contains("Common to every configuration: CPU, 2 threads, float32, batch 32, 1000 warm-up steps"), md);
        assertFalse(md.contains("## Across machines"), "one machine, no matrix");
        assertTrue(md.contains(Report.NOTEBOOK_LINE));
        assertEquals("", o.err(), "like for like everywhere: no warnings");

        Report report = direct("pytorch OMP_PROC_BIND=true", tmp.resolve("compare.jsonl"));
        List<ReportChart.Bar> bars = ReportChart.bars(report);
        assertEquals(List.of(TUNED, DL4J, OWN), bars.stream().map(ReportChart.Bar::label).toList(), "one bar per configuration, named by it");
        assertEquals(List.of("baseline", "0.94x training speed", "0.59x training speed"), bars.stream().map(ReportChart.Bar::note).toList());
        assertFalse(ReportChart.logarithmic(bars), "42.5 to 89.9 s: a linear scale");
        Report.Row dl4jRow = report.rows().get(1);
        assertEquals(List.of(7.5 + 35000 / 900.0, 7.5 + 35000 / 640.0), List.of(dl4jRow.minEpochSeconds(), dl4jRow.maxEpochSeconds()),
                "the whisker: fastest to slowest run");
        var png = ImageIO.read(tmp.resolve("report.png").toFile());
        assertEquals(960, png.getWidth(), "the narrowest chart; 190 px a bar from six bars on");
    }

    @Test
    void severalMachinesGiveAMachineByConfigurationMatrix() throws Exception {
        CraftedRecord cuda = dl4j(9000).host("workstation").gpu("NVIDIA RTX A4000");
        cuda.validationImagesPerSecond = 20000;
        CraftedRecord workstationCpu = dl4j(1800).host("workstation");
        workstationCpu.cpu = "Intel Xeon w5-3435X";
        cuda.cpu = workstationCpu.cpu;
        Path ci = results("ci.jsonl", dl4j(400).label("round 1"), pytorch(320).label("round 1"), dl4j(500).label("round 2"),
                pytorch(300).label("round 2"), dl4j(450).label("a run of its own"));
        Path workstation = results("workstation.jsonl", workstationCpu, cuda);

        Outcome o = report(ci.toString(), workstation.toString());
        assertEquals(0, o.exitCode(), o.err());
        String md = Files.readString(tmp.resolve("report.md"));
        String dl4jCpu = "DL4J 1.0.0-M2.1, natives linux-x86_64-onednn-avx512, helpers oneDNN", pytorchCpu = "PyTorch 2.1.0",
                dl4jCuda = "DL4J 1.0.0-M2.1, CUDA, natives linux-x86_64-cuda-11.6, helpers cuDNN";
        assertTrue(md.contains("7 records (`" + ci + "` 5, `" + workstation + "` 2): 3 configurations on 3 machines. Baseline: **" + dl4jCpu
                + "** (the first record's configuration"), md);

        Map<String, List<String>> onCi = table(md, CI_RUNNER);
        assertEquals(List.of("3", "450", "400-500"), onCi.get(dl4jCpu).subList(RUNS, RANGE + 1));
        assertEquals(List.of("2", "310", "300-320"), onCi.get(pytorchCpu).subList(RUNS, RANGE + 1));
        assertEquals("0.70 (0.60-0.80; faster in 0 of 2 rounds)", onCi.get(pytorchCpu).get(PER_ROUND), "320 / 400 and 300 / 500");
        Map<String, List<String>> onGpu = table(md, "workstation: Intel Xeon w5-3435X, 4 logical cores, Linux 6.1.0-18-cloud-amd64 x86_64, "
                + "GPU NVIDIA RTX A4000");
        assertEquals(List.of(dl4jCuda), List.copyOf(onGpu.keySet()), "a configuration found on one machine only");
        assertEquals(List.of("1", "9,000", "9,000-9,000"), onGpu.get(dl4jCuda).subList(RUNS, RANGE + 1), "a machine with a single run");
        assertEquals("2 (host)", onGpu.get(dl4jCuda).get(THREADS));
        assertEquals(List.of("n/a: the baseline did not run on this machine", "n/a"), onGpu.get(dl4jCuda).subList(SPEED, PER_ROUND + 1));

        String matrix = md.substring(md.indexOf("## Across machines"), md.indexOf("## Configurations"));
        List<String> lines = matrix.lines().filter(l -> l.startsWith("| ")).toList();
        assertEquals(List.of("machine", dl4jCpu, pytorchCpu, dl4jCuda), cells(lines.get(0)));
        // median seconds per Keras epoch: 35,000 / images/s + 15,000 / validation images/s
        assertEquals(List.of("ci-runner", "85.3 s (3)", "120.5 s (2)", "-"), cells(lines.get(1)));
        assertEquals(List.of("workstation (CPU)", "26.9 s (1)", "-", "-"), cells(lines.get(2)));
        assertEquals(List.of("workstation (NVIDIA RTX A4000)", "-", "-", "4.6 s (1)"), cells(lines.get(3)));
        assertTrue(matrix.contains("- " + dl4jCpu + ": workstation (CPU) at 4.00x the speed of ci-runner (1,800 vs 450 images/s)"), matrix);

        Report report = direct(null, ci, workstation);
        List<ReportChart.Bar> bars = ReportChart.bars(report);
        assertEquals(List.of("ci-runner", "ci-runner", "workstation (CPU)", "workstation (NVIDIA RTX A4000)"),
                bars.stream().map(b -> report.name(b.row().machine())).toList(), "the chart grouped by machine");
        assertEquals(List.of(dl4jCpu, pytorchCpu, dl4jCpu, dl4jCuda), bars.stream().map(ReportChart.Bar::label).toList());
        assertTrue(ReportChart.logarithmic(bars), "4.6 s to 124 s: more than a factor of ten, a log scale");
        assertNotNull(ImageIO.read(tmp.resolve("report.png").toFile()));
    }

    @Test
    void roundsPairWithinOneFileAndMachineAndARerunStartsNewRounds() throws Exception {
        // the script run three times into one file (rounds 1 and 2, then round 1 twice), a record of another machine in between
        Path a = results("a.jsonl", dl4j(800).label("round 1, load 0.1"), dl4j(5000).host("other").label("round 1"),
                pytorch(400).label("round 1, load 0.2"), dl4j(600).label("round 2"), pytorch(600).label("round 2"),
                dl4j(1000).label("round 1"), pytorch(250).label("round 1"), dl4j(500).label("round 1"), pytorch(400).label("round 1"),
                pytorch(700).label("no round named"));
        Path b = results("b.jsonl", pytorch(900).label("round 2")); // another file's round 2 is not a.jsonl's

        Outcome o = report(a.toString(), b.toString(), "--baseline", "dl4j");
        assertEquals(0, o.exitCode(), o.err());
        String md = Files.readString(tmp.resolve("report.md"));
        Map<String, List<String>> rows = table(md, CI_RUNNER);
        // 400 / 800, 600 / 600, 250 / 1000, 400 / 500
        assertEquals(List.of("6", "500", "250-900"), rows.get("PyTorch 2.1.0").subList(RUNS, RANGE + 1), "labels never split a configuration");
        assertEquals("0.65 (0.25-1.00; faster in 0 of 4 rounds)", rows.get("PyTorch 2.1.0").get(PER_ROUND));
        Report report = direct("dl4j", a, b);
        Report.Row pytorch = report.rows().stream().filter(r -> r.configuration().framework().equals("PyTorch")).findFirst().orElseThrow();
        assertEquals(List.of(0.5, 1.0, 0.25, 0.8), report.roundRatios(pytorch));

        Path unpaired = results("unpaired.jsonl", dl4j(800).label("before"), pytorch(400).label("after"));
        Outcome none = report(unpaired.toString());
        assertEquals(0, none.exitCode(), none.err());
        assertEquals("no rounds pair", table(Files.readString(tmp.resolve("report.md")), CI_RUNNER).get("PyTorch 2.1.0").get(PER_ROUND));
    }

    @Test
    void settingsThatChangeSpeedSplitConfigurationsAndOlderRecordsJoinTheOneTheyMatch() throws Exception {
        Path file = results("settings.jsonl",
                dl4j(1000),
                dl4j(1100).openMp(Map.of("OMP_PROC_BIND", "true", "GOMP_SPINCOUNT", "1000 (from environment)"))
                        .setting("learningRate", 0.01).setting("physicalMemoryCap", "8G"), // no change of speed: same configuration
                dl4j(900).setting("evalBatchSize", null), // written before records held evalBatchSize
                dl4j(700).openMp(Map.of("OMP_PROC_BIND", "false", "GOMP_SPINCOUNT", "300000")),
                dl4j(500).setting("workers", 2),
                dl4j(600).setting("workers", null).setting("evalBatchSize", null)); // workers=1 or 2? not known
        CraftedRecord old = pytorch(300).threads(1);
        old.settings = null;
        BenchResults.append(file, old.build());

        Outcome o = report(file.toString());
        assertEquals(0, o.exitCode(), o.err());
        String md = Files.readString(tmp.resolve("report.md"));
        Map<String, List<String>> rows = table(md, CI_RUNNER);
        assertEquals(List.of(DL4J + ", workers=1", DL4J + ", OMP_PROC_BIND=false GOMP_SPINCOUNT=300000, workers=1", DL4J + ", workers not recorded",
                DL4J + ", workers=2", "PyTorch 2.1.0, 1 thread"), List.copyOf(rows.keySet()), md);
        assertEquals(List.of("3", "1,000", "900-1,100"), rows.get(DL4J + ", workers=1").subList(RUNS, RANGE + 1));
        assertTrue(md.contains("- 1 record without evalBatchSize (written before records held it) counted as " + DL4J + ", workers=1, "
                + "the one configuration that agrees with everything they record: settings.jsonl:3."), md);
        assertTrue(md.contains("- PyTorch 2.1.0, 1 thread: its records hold no settings"), md);
        assertTrue(md.contains("**no**: 1 vs 2 threads"), md);
    }

    /** What a run measured and keeps among its settings (the PyTorch reference's page faults) does not split a configuration. */
    @Test
    void measurementsKeptAmongTheSettingsDoNotSplitAConfiguration() throws Exception {
        Path file = results("faults.jsonl",
                pytorch(400).setting("minorPageFaultsPerImage", Map.of("train", List.of(7.9, 16.0), "validation", List.of(297.8, 293.7))),
                pytorch(420).setting("minorPageFaultsPerImage", Map.of("train", List.of(52.1, 36.1), "validation", List.of(313.4, 321.2))));
        Outcome o = report(file.toString(), "--baseline", "pytorch");
        assertEquals(0, o.exitCode(), o.err());
        Map<String, List<String>> rows = table(Files.readString(tmp.resolve("report.md")), CI_RUNNER);
        assertEquals(1, rows.size(), rows.toString());
        assertEquals("2", rows.values().iterator().next().get(RUNS));
    }

    /** The convolution path splits configurations; the reason it was chosen (the check's timings, its date) does not. */
    @Test
    void theConvolutionPathSplitsConfigurationsButNotWhyItWasChosen() throws Exception {
        Path file = results("paths.jsonl",
                dl4j(1000).setting("convPath", Map.of("path", "onednn", "reason", "the CPU's default")),
                dl4j(1100).setting("convPath", Map.of("path", "onednn", "reason", "fastest verified on Test CPU (checked 2026-12-01): onednn 40.1 ms/step")),
                dl4j(200).setting("convPath", Map.of("path", "built-in", "reason", "--conv-path built-in")));
        Outcome o = report(file.toString());
        assertEquals(0, o.exitCode(), o.err());
        Map<String, List<String>> rows = table(Files.readString(tmp.resolve("report.md")), CI_RUNNER);
        assertEquals(List.of(DL4J + ", convPath=onednn", DL4J + ", convPath=built-in"), List.copyOf(rows.keySet()));
        assertEquals("2", rows.get(DL4J + ", convPath=onednn").get(RUNS));
    }

    @Test
    void aBarInASettingDoesNotEndATableCell() throws Exception {
        Outcome o = report(results("bar.jsonl", dl4j(1000).setting("blas", "openblas|pthreads"), dl4j(900).setting("blas", "mkl|gnu")).toString());
        assertEquals(0, o.exitCode(), o.err());
        Map<String, List<String>> rows = table(Files.readString(tmp.resolve("report.md")), CI_RUNNER);
        assertEquals(List.of(DL4J + ", blas=openblas\\|pthreads", DL4J + ", blas=mkl\\|gnu"), List.copyOf(rows.keySet()));
        rows.values().forEach(r -> assertEquals(13, r.size(), r.toString()));
    }

    @Test
    void theBaselineMustNameExactlyOneConfiguration() throws Exception {
        Path file = threeRounds();
        Outcome ambiguous = report(file.toString(), "--baseline", "pytorch");
        assertEquals(2, ambiguous.exitCode());
        assertTrue(ambiguous.err().contains("--baseline 'pytorch' matches 2 configurations: " + OWN + "; " + TUNED + "."), ambiguous.err());
        assertFalse(Files.exists(tmp.resolve("report.md")), "nothing written");

        Outcome none = report(file.toString(), "--baseline", "tensorflow");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("--baseline 'tensorflow' matches no configuration; they are: " + DL4J + "; " + OWN + "; " + TUNED), none.err());

        Outcome whole = report(file.toString(), "--baseline", OWN);
        assertEquals(0, whole.exitCode(), whole.err());
        assertTrue(whole.out().contains("Baseline: **" + OWN + "**"), whole.out());
        // not in any name, in one description: "helpers mkldnn, ..., OpenMP defaults"
        Outcome described = report(file.toString(), "--baseline", "MKLDNN openmp");
        assertEquals(0, described.exitCode(), described.err());
        assertTrue(described.out().contains("Baseline: **" + OWN + "**"), described.out());
        Outcome first = report(file.toString());
        assertTrue(first.out().contains("Baseline: **" + DL4J + "** (the first record's configuration"), first.out());
    }

    @Test
    void rowsUnlikeTheBaselineAreMarkedAndWarnedAbout() throws Exception {
        CraftedRecord bigBatch = dl4j(1500);
        bigBatch.batchSize = 64;
        CraftedRecord shortWarmUp = dl4j(1200);
        shortWarmUp.warmupSteps = 20;
        Path file = results("mixed.jsonl", dl4j(1000), pytorch(900).threads(1), bigBatch, shortWarmUp,
                dl4j(9000).gpu("NVIDIA RTX A4000").threads(16));
        Outcome o = report(file.toString());
        assertEquals(0, o.exitCode(), o.err());
        String md = Files.readString(tmp.resolve("report.md"));
        Map<String, List<String>> rows = table(md, CI_RUNNER);
        assertEquals("**no**: 1 vs 2 threads", rows.get("PyTorch 2.1.0, 1 thread").get(LIKE));
        assertEquals("**no**: batch 64 vs 32", rows.values().stream().filter(r -> r.get(0).contains("batch 64")).findFirst().orElseThrow().get(LIKE));
        assertEquals("**no**: 20 vs 1000 warm-up steps",
                rows.values().stream().filter(r -> r.get(0).contains("20 warm-up")).findFirst().orElseThrow().get(LIKE));
        assertTrue(o.err().contains("Warning: PyTorch 2.1.0, 1 thread on ci-runner (CPU) is not like for like with the baseline"), o.err());
        assertTrue(md.contains("- Warning: PyTorch 2.1.0, 1 thread on ci-runner (CPU) is not like for like"), "the warnings in the Markdown too");
        List<String> gpu = table(md, "ci-runner: AMD EPYC 9V74, 4 logical cores, Linux 6.1.0-18-cloud-amd64 x86_64, GPU NVIDIA RTX A4000")
                .values().iterator().next();
        assertEquals("yes", gpu.get(LIKE), "a GPU row's host threads do not make it unlike");
        assertEquals(3, o.err().lines().filter(l -> l.startsWith("Warning:")).count(), o.err());
    }

    @Test
    void byBuildTellsBeforeFromAfterAndWithoutItTheMixIsNoted() throws Exception {
        Path file = results("before-after.jsonl", dl4j(1000).commit("aaa1111").label("before, round 1"), dl4j(1100).commit("bbb2222").label("after, round 1"),
                dl4j(900).commit("aaa1111").label("before, round 2"), dl4j(1080).commit("bbb2222").label("after, round 2"));
        Outcome mixed = report(file.toString());
        assertEquals(0, mixed.exitCode(), mixed.err());
        String md = Files.readString(tmp.resolve("report.md"));
        assertEquals(List.of("4", "1,040", "900-1,100"), table(md, CI_RUNNER).get(DL4J).subList(RUNS, RANGE + 1));
        assertTrue(md.contains("- " + DL4J + " on ci-runner: runs from 2 builds of the project (0.1.0 aaa1111: 2 runs; 0.1.0 bbb2222: 2 runs); "
                + "`--by-build` tells them apart."), md);

        Outcome split = report(file.toString(), "--by-build", "--baseline", "aaa1111");
        assertEquals(0, split.exitCode(), split.err());
        Map<String, List<String>> rows = table(Files.readString(tmp.resolve("report.md")), CI_RUNNER);
        List<String> after = rows.get(DL4J + ", build 0.1.0 bbb2222");
        assertEquals(List.of("2", "1,090", "1,080-1,100"), after.subList(RUNS, RANGE + 1));
        assertEquals("1.15x", after.get(SPEED), "1,090 / 950");
        assertEquals("1.15 (1.10-1.20; faster in 2 of 2 rounds)", after.get(PER_ROUND));
    }

    @Test
    void machinesAreTheSameWhateverProgramWroteTheRecord() {
        assertEquals(Machine.os("Linux 6.1.0-18-amd64 amd64"), Machine.os("Linux 6.1.0-18-amd64 x86_64"));
        assertNotEquals(Machine.os("Linux 6.1.0-18-amd64 amd64"), Machine.os("Linux 6.1.0-20-amd64 amd64"));
        assertEquals("macOS aarch64", Machine.os("Mac OS X 14.2 aarch64"));
        assertEquals("macOS aarch64", Machine.os("Darwin 23.2.0 arm64"));
        assertEquals("Windows x86_64", Machine.os("Windows 11 10.0 amd64"));
    }

    // --per-run: one row per record, as the report was before configurations

    @Test
    void perRunTablesAndChartsRecordsOfManyFilesSkippingBadLinesWithTheirPlace() throws Exception {
        Path mine = tmp.resolve("mine.jsonl"), theirs = tmp.resolve("theirs.jsonl");
        BenchResults.append(mine, BenchRecordTest.record("deeplearning4j", "cpu", "laptop", 300, 310, 320));
        BenchResults.append(mine, BenchRecordTest.record("pytorch", "cpu", "laptop", 400, 410, 420));
        Files.writeString(mine, "{\"schema\": \"cifar10-dl4j/bench-record\", \"schemaVersion\": 1, \"median\": \n",
                java.nio.file.StandardOpenOption.APPEND); // cut off mid-write: line 3
        Files.writeString(theirs, "{\"schema\": \"someone-else/v2\", \"value\": 1}\n"); // foreign: line 1
        BenchResults.append(theirs, BenchRecordTest.record("deeplearning4j", "cuda", "workstation", 2000, 2100, 2200));

        Outcome o = report(mine.toString(), theirs.toString(), "--per-run", "--baseline", "pytorch");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.err().contains("skipped " + mine + ":3: not a JSON record"), o.err());
        assertTrue(o.err().contains("skipped " + theirs + ":1: not a cifar10-dl4j/bench-record record"), o.err());

        List<String> table = Files.readAllLines(tmp.resolve("report.md"));
        assertEquals(7, table.size(), String.join("\n", table)); // header, rule, 3 rows, blank, the notebook's line
        // grouped by backend (cpu before cuda), fastest first within a group
        assertTrue(table.get(2).contains("pytorch") && table.get(2).contains("| 1.00x |"), table.get(2));
        assertTrue(table.get(3).contains("deeplearning4j 1 [laptop]") && table.get(3).contains("| 0.76x |"), table.get(3));
        assertTrue(table.get(4).contains("cuda") && table.get(4).contains("NVIDIA RTX A4000") && table.get(4).contains("| 5.12x |"), table.get(4));
        assertTrue(table.get(4).contains("| 16.7 |"), "seconds per 35,000-image epoch at 2,100 images/s: " + table.get(4));
        assertEquals(1200, ImageIO.read(tmp.resolve("report.png").toFile()).getWidth());
        assertFalse(o.err().contains("not like for like"), "same threads, data type and batch everywhere: " + o.err());
    }

    @Test
    void perRunNamesEveryRowsThreadsDataTypeAndBatchAndMarksTheUnlikeOnes() throws Exception {
        Path results = tmp.resolve("mixed.jsonl");
        BenchResults.append(results, BenchRecordTest.record("pytorch", "cpu", "default threads", 1, "float32", 32, 250, 260, 270)); // baseline
        BenchResults.append(results, BenchRecordTest.record("deeplearning4j", "cpu", "", 2, "float32", 32, 400, 410, 420));
        BenchResults.append(results, BenchRecordTest.record("pytorch", "cpu", "amx", 1, "bfloat16-autocast", 32, 900, 910, 920));
        BenchResults.append(results, BenchRecordTest.record("deeplearning4j", "cuda", "", 2, "float32", 32, 5000, 5100, 5200));
        BenchResults.append(results, BenchRecordTest.record("pytorch", "cuda", "big batch", 2, "float32", 512, 90000, 91000, 92000));

        Outcome o = report(results.toString(), "--per-run", "--baseline", "3");
        assertEquals(0, o.exitCode(), o.err());
        List<String> table = Files.readAllLines(tmp.resolve("report.md"));
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

        PerRunReport report = new PerRunReport(BenchResults.read(List.of(results), new PrintWriter(Writer.nullWriter()))
                .stream().map(BenchResults.Loaded::record).toList(), "default threads");
        assertTrue(report.chartLine(1).startsWith("#2*  deeplearning4j 1, cpu AMD EPYC @ box, 2 threads, float32, batch 32"), report.chartLine(1));
        assertTrue(report.chartLine(1).contains("NOT LIKE FOR LIKE: 2 vs 1 threads"), report.chartLine(1));
        var png = ImageIO.read(tmp.resolve("report.png").toFile());
        assertEquals(460 + 18 * 5 + 16, png.getHeight(), "the chart and one line per row below it");
    }

    @Test
    void refusesWhenNothingIsUsable() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "not json\n");
        Outcome none = report(bad.toString());
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("No usable benchmark records"), none.err());
        assertFalse(Files.exists(tmp.resolve("report.md")));

        Path good = results("good.jsonl", dl4j(300));
        Outcome perRun = report(good.toString(), "--per-run", "--baseline", "tensorflow");
        assertEquals(2, perRun.exitCode());
        assertTrue(perRun.err().contains("'tensorflow' matches no row"), perRun.err());
    }
}
