package dev.cifar10.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.Cli;
import dev.cifar10.Cli.Outcome;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Cifar10;
import dev.cifar10.data.Cifar10Source;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.model.NotebookCnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.example.dl4juser.EvaluateSavedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** A trained model opens in a DL4J program without this project, and runs of earlier versions still evaluate. */
class ModelCompatibilityTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void modelZipEvaluatesInADl4jProgramWithoutThisProjectsClasses(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        Outcome trained = Cli.run("train", "--profile", "smoke", "--data", "synthetic", "--out", run.toString());
        assertEquals(0, trained.exitCode(), trained.err());

        // the test images as evaluate prepares them: the run's data, standardised with the run's statistics, NCHW
        RunRecord record = RunRecord.read(run);
        RunConfig config = record.config();
        Cifar10 data = Cifar10Source.load(config.data(), tmp.resolve("cache"), 1, config.maxTestImages(), config.seed());
        CifarBatches batches = CifarBatches.sequential(data.test(), record.data().standardisation(), 256, DataType.FLOAT);
        List<DataSet> parts = new ArrayList<>();
        while (batches.hasNext()) parts.add(batches.next());
        Path testSet = tmp.resolve("test-set.bin");
        DataSet.merge(parts).save(testSet.toFile());

        Path program = tmp.resolve("program");
        String classFile = EvaluateSavedModel.class.getName().replace('.', '/') + ".class";
        Path target = program.resolve(classFile);
        Files.createDirectories(target.getParent());
        try (var in = EvaluateSavedModel.class.getClassLoader().getResourceAsStream(classFile)) {
            Files.copy(in, target);
        }
        // DL4J's and ND4J's jars, none of this project's class directories
        List<String> classpath = new ArrayList<>(List.of(program.toString()));
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).filter(e -> e.endsWith(".jar")).forEach(classpath::add);
        Path log = tmp.resolve("program.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                // ND4J's loader picks the oneDNN native build by this property (a DL4J program with nd4j-native-platform needs none)
                "-Dorg.bytedeco.javacpp.platform.extension=-onednn",
                "-cp", String.join(File.pathSeparator, classpath), EvaluateSavedModel.class.getName(),
                run.resolve("model.zip").toString(), testSet.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the DL4J program finished");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("project classes on the classpath: false"), output);

        JsonNode test = JSON.readTree(run.resolve("test.json").toFile());
        assertEquals(test.get("accuracy").asDouble(), number(output, "accuracy"), 1e-9, "accuracy as test.json records it");
        assertEquals(test.get("loss").asDouble(), number(output, "loss"), 1e-4, "loss as test.json records it");
    }

    private static double number(String output, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=(\\S+)$").matcher(output);
        assertTrue(m.find(), name + " in " + output);
        return Double.parseDouble(m.group(1));
    }

    /**
     * A run directory of version 0.1.0 (commit 2f0e497), which saved the tuned NHWC network with its classes in
     * dev.cifar10.model: its run.json and configuration, as written; the parameters drawn here.
     */
    @Test
    void aRunOfAnEarlierVersionStillEvaluates(@TempDir Path tmp) throws IOException {
        Path run = Files.createDirectories(tmp.resolve("old-run"));
        Path resources = Path.of("src/test/resources/legacy-model");
        Files.copy(resources.resolve("run.json"), run.resolve("run.json"));
        MultiLayerNetwork sameNetwork = NotebookCnn.build(NotebookCnn.Settings.notebook(5));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(run.resolve("model.zip")))) {
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write(Files.readAllBytes(resources.resolve("configuration.json")));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            DataOutputStream out = new DataOutputStream(zip);
            Nd4j.write(sameNetwork.params(), out);
            out.flush();
            zip.closeEntry();
        }
        Outcome evaluated = Cli.run("evaluate", run.toString(), "--max-test-images", "200");
        assertEquals(0, evaluated.exitCode(), evaluated.err());
        assertTrue(evaluated.out().contains("Test: loss: ") && evaluated.out().contains("(200 images)"), evaluated.out());
    }
}
