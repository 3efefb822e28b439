package dev.cifar10.run;

import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.model.NotebookCnn.Layers;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** model.zip and checkpoints: written as DL4J's stock network, read back in any form, and careful with foreign files. */
class SavedModelsTest {
    /** The configuration.json of a model.zip written by a version that saved the tuned NHWC network itself. */
    static final Path LEGACY_CONFIGURATION = Path.of("src/test/resources/legacy-model/configuration.json");

    @BeforeAll
    static void backend() {
        Backends.initialise(BackendOptions.defaults());
    }

    private static MultiLayerNetwork trainedTunedNhwc() {
        MultiLayerNetwork net = NotebookCnn.build(NotebookCnn.Settings.notebook(3));
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) y.putScalar(i, i, 1);
        net.fit(x, y);
        return net;
    }

    private static Path written(MultiLayerNetwork net, Path dir) throws IOException {
        Path zip = dir.resolve("model.zip");
        try (OutputStream out = Files.newOutputStream(zip)) {
            SavedModels.write(net, out);
        }
        return zip;
    }

    private static String configurationIn(Path zip) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            return new String(file.getInputStream(file.getEntry("configuration.json")).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void writesTheStockNchwNetworkThatDl4jOpensAsItIs(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = trainedTunedNhwc();
        Path zip = written(net, dir);
        String json = configurationIn(zip);
        assertFalse(json.contains("dev.cifar10"), "only DL4J's classes");
        assertFalse(json.contains("NHWC"), "NCHW throughout");

        MultiLayerNetwork opened = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);   // DL4J's own reader
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 3, 32, 32);
        assertEquals(net.output(x), opened.output(x), "the same predictions on the same NCHW images");
    }

    @Test
    void readsBackInTheTrainingFormExactly(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = trainedTunedNhwc();
        MultiLayerNetwork back = SavedModels.read(written(net, dir), true, Layers.TUNED, CNN2DFormat.NHWC);
        assertArrayEquals(net.params().toFloatVector(), back.params().toFloatVector(), 0f);
        assertArrayEquals(net.getUpdater().getStateViewArray().toFloatVector(), back.getUpdater().getStateViewArray().toFloatVector(), 0f);
        assertEquals(net.getLayerWiseConfigurations().toJson(), back.getLayerWiseConfigurations().toJson());
    }

    /** Parameters of the notebook's tuned NHWC network (as earlier versions saved it), with that version's configuration. */
    private static Path legacyZip(Path dir, MultiLayerNetwork withParams, Map<String, byte[]> extra) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("configuration.json", Files.readAllBytes(LEGACY_CONFIGURATION));
        ByteArrayOutputStream coefficients = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(coefficients)) {
            Nd4j.write(withParams.params(), out);
        }
        entries.put("coefficients.bin", coefficients.toByteArray());
        entries.putAll(extra);
        Path zip = dir.resolve("legacy.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (var e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return zip;
    }

    @Test
    void opensModelsOfEarlierVersionsWhichSavedTheTunedNhwcNetwork(@TempDir Path dir) throws IOException {
        assertTrue(Files.readString(LEGACY_CONFIGURATION).contains("\"dev.cifar10.model.ChannelsLast\""), "an earlier version's file");
        MultiLayerNetwork tunedNhwc = trainedTunedNhwc();
        Path zip = legacyZip(dir, tunedNhwc, Map.of());
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 3, 32, 32);
        for (Layers layers : Layers.values()) {
            MultiLayerNetwork opened = SavedModels.read(zip, false, layers, layers == Layers.TUNED ? CNN2DFormat.NHWC : CNN2DFormat.NCHW);
            assertEquals(tunedNhwc.output(x), opened.output(x), layers + ": the same predictions");
        }
    }

    /** A class outside DL4J's configuration types, used by nothing else: its static initialiser says whether anything loaded it. */
    public static final class ForeignLayer {
        static {
            System.setProperty("cifar10.test.foreign-class-loaded", "true");
        }
    }

    /** What a hostile preprocessor.bin could hold: deserialising it runs its readObject. */
    public static final class ForeignPayload implements Serializable {
        private void readObject(java.io.ObjectInputStream in) {
            System.setProperty("cifar10.test.foreign-object-deserialised", "true");
        }
    }

    @Test
    void refusesAConfigurationNamingAClassOutsideDl4jWithoutLoadingIt(@TempDir Path dir) throws IOException {
        Path zip = written(trainedTunedNhwc(), dir);
        String json = configurationIn(zip).replaceFirst("\"org\\.deeplearning4j\\.nn\\.conf\\.layers\\.ConvolutionLayer\"",
                java.util.regex.Matcher.quoteReplacement("\"" + ForeignLayer.class.getName() + "\""));
        Path foreign = rewritten(zip, dir.resolve("foreign.zip"), Map.of("configuration.json", json.getBytes(StandardCharsets.UTF_8)));

        OutputException e = assertThrows(OutputException.class, () -> SavedModels.read(foreign, false, Layers.STOCK, CNN2DFormat.NCHW));
        assertTrue(e.getMessage().contains(foreign.toString()) && e.getMessage().contains(ForeignLayer.class.getName())
                && e.getMessage().contains("not a DL4J configuration type") && e.getMessage().contains("$.confs[0].layer"), e.getMessage());
        assertNull(System.getProperty("cifar10.test.foreign-class-loaded"), "the foreign class was never loaded");
    }

    @Test
    void neverDeserialisesAPreprocessorEntry(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream serialised = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(serialised)) {
            out.writeObject(new ForeignPayload());
        }
        MultiLayerNetwork net = trainedTunedNhwc();
        Path zip = rewritten(written(net, dir), dir.resolve("with-preprocessor.zip"), Map.of("preprocessor.bin", serialised.toByteArray()));
        // DL4J's own reader deserialises it (running its readObject), then finds it is no DataSetPreProcessor
        assertThrows(ClassCastException.class, () -> ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false));
        assertEquals("true", System.getProperty("cifar10.test.foreign-object-deserialised"), "DL4J's reader ran the payload");
        System.clearProperty("cifar10.test.foreign-object-deserialised");

        MultiLayerNetwork opened = SavedModels.read(zip, false, Layers.TUNED, CNN2DFormat.NHWC);
        assertNull(System.getProperty("cifar10.test.foreign-object-deserialised"), "preprocessor.bin was not deserialised");
        assertArrayEquals(net.params().toFloatVector(), opened.params().toFloatVector(), 0f);
    }

    @Test
    void saysWhatIsWrongWithAFileThatIsNotAModel(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.zip"), "not a zip");
        OutputException notZip = assertThrows(OutputException.class, () -> SavedModels.read(text, false, Layers.STOCK, CNN2DFormat.NCHW));
        assertTrue(notZip.getMessage().contains(text + " is not a readable model zip"), notZip.getMessage());

        Path zip = written(trainedTunedNhwc(), dir);
        Path noParams = rewritten(zip, dir.resolve("no-params.zip"), Map.of("coefficients.bin", new byte[0]), "coefficients.bin");
        OutputException missing = assertThrows(OutputException.class, () -> SavedModels.read(noParams, false, Layers.STOCK, CNN2DFormat.NCHW));
        assertTrue(missing.getMessage().contains("holds no coefficients.bin"), missing.getMessage());

        Path graph = rewritten(zip, dir.resolve("graph.zip"), Map.of("configuration.json", "{\"vertices\":{}}".getBytes(StandardCharsets.UTF_8)));
        OutputException notNetwork = assertThrows(OutputException.class, () -> SavedModels.read(graph, false, Layers.STOCK, CNN2DFormat.NCHW));
        assertTrue(notNetwork.getMessage().contains("not a DL4J MultiLayerNetwork configuration"), notNetwork.getMessage());

        Path noUpdater = rewritten(zip, dir.resolve("no-updater.zip"), Map.of(), "updaterState.bin");
        OutputException noState = assertThrows(OutputException.class, () -> SavedModels.read(noUpdater, true, Layers.STOCK, CNN2DFormat.NCHW));
        assertTrue(noState.getMessage().contains("holds no updater state"), noState.getMessage());
    }

    /** A copy of {@code zip} with entries replaced or added, and {@code removed} left out. */
    private static Path rewritten(Path zip, Path target, Map<String, byte[]> replaced, String... removed) throws IOException {
        var skip = java.util.Set.of(removed);
        try (ZipFile in = new ZipFile(zip.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (var it = in.entries().asIterator(); it.hasNext(); ) {
                ZipEntry e = it.next();
                if (skip.contains(e.getName()) || replaced.containsKey(e.getName())) continue;
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
            for (var e : replaced.entrySet()) {
                if (skip.contains(e.getKey())) continue;
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return target;
    }
}
