package dev.cifar10.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.model.NotebookCnn;
import dev.cifar10.model.tuned.TunedLayers;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * model.zip and the checkpoints: DL4J's {@link ModelSerializer} format with DL4J's own layer classes in NCHW, the
 * network {@link NotebookCnn#stockConfiguration} defines, so that any DL4J program opens them with
 * {@code ModelSerializer.restoreMultiLayerNetwork} and feeds them NCHW images. A tuned or NHWC network is converted
 * on the way out ({@link Layouts}) and back on the way in.
 *
 * <p>Reading is careful with files from elsewhere: before DL4J sees the configuration, every class it names must be
 * a DL4J configuration type (or one of this project's tuned layer classes); anything else is refused and never
 * loaded. Only the configuration, the parameters and the updater state are read: DL4J's reader would also
 * Java-deserialise a {@code preprocessor.bin} entry, which is skipped.
 */
public final class SavedModels {
    static final String CONFIGURATION = "configuration.json", COEFFICIENTS = "coefficients.bin", UPDATER = "updaterState.bin";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Packages of DL4J's configuration types: layers, preprocessors, activations, losses, updaters, schedules, weight inits. */
    static final List<String> ALLOWED_PACKAGES = List.of(
            "org.deeplearning4j.nn.conf.", "org.deeplearning4j.nn.weights.", "org.nd4j.linalg.activations.",
            "org.nd4j.linalg.lossfunctions.", "org.nd4j.linalg.learning.", "org.nd4j.linalg.schedule.");

    private SavedModels() {
    }

    /** Writes {@code net} with its updater state, as the stock NCHW network. */
    public static void write(MultiLayerNetwork net, OutputStream out) throws IOException {
        ModelSerializer.writeModel(NotebookCnn.inForm(net, NotebookCnn.Layers.STOCK, CNN2DFormat.NCHW), out, true);
    }

    /**
     * The network saved in {@code zip}, in the form {@code layers}/{@code layout} (the updater state too, when
     * {@code withUpdater}); also models saved by versions that wrote the tuned NHWC network itself.
     *
     * @throws OutputException what is wrong with the file, naming it (exit 4)
     */
    public static MultiLayerNetwork read(Path zip, boolean withUpdater, NotebookCnn.Layers layers, CNN2DFormat layout) {
        return NotebookCnn.inForm(readAsSaved(zip, withUpdater), layers, layout);
    }

    /** The network as the file holds it, after the checks. */
    static MultiLayerNetwork readAsSaved(Path zip, boolean withUpdater) {
        Map<String, byte[]> entries = new java.util.HashMap<>();
        try (ZipFile file = new ZipFile(zip.toFile())) {
            for (String name : List.of(CONFIGURATION, COEFFICIENTS, UPDATER)) {
                ZipEntry entry = file.getEntry(name);
                if (entry == null) continue;
                try (InputStream in = file.getInputStream(entry)) {
                    entries.put(name, in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new OutputException(zip + " is not a readable model zip (" + e.getMessage() + ").");
        }
        for (String required : List.of(CONFIGURATION, COEFFICIENTS)) {
            if (!entries.containsKey(required)) throw new OutputException(zip + " holds no " + required + ": it is not a DL4J model.");
        }
        if (withUpdater && !entries.containsKey(UPDATER)) throw new OutputException(zip + " holds no updater state (" + UPDATER + ").");
        String json = new String(entries.get(CONFIGURATION), StandardCharsets.UTF_8);
        checkClasses(zip, json);
        entries.put(CONFIGURATION, TunedLayers.currentNames(json).getBytes(StandardCharsets.UTF_8));
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zipOf(entries)), withUpdater);
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot load the model in " + zip + ": " + e.getMessage());
        }
    }

    /** Refuses a configuration that is not a network's, or that names any class outside DL4J's configuration types. */
    static void checkClasses(Path zip, String json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (IOException e) {
            throw new OutputException(zip + ": " + CONFIGURATION + " is not JSON (" + e.getMessage() + ").");
        }
        if (tree == null || !tree.path("confs").isArray()) {
            throw new OutputException(zip + ": " + CONFIGURATION + " is not a DL4J MultiLayerNetwork configuration (no \"confs\").");
        }
        checkClasses(zip, tree, "$");
    }

    private static void checkClasses(Path zip, JsonNode node, String where) {
        if (node.isObject()) {
            JsonNode type = node.get("@class");
            if (type != null && !allowed(type.asText())) {
                throw new OutputException(zip + ": its configuration names the class " + type.asText() + " (at " + where
                        + "), which is not a DL4J configuration type. Refused without loading it: open only models written by "
                        + "this program or by DL4J.");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                checkClasses(zip, field.getValue(), where + "." + field.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) checkClasses(zip, node.get(i), where + "[" + i + "]");
        }
    }

    static boolean allowed(String className) {
        return TunedLayers.isTunedClass(className) || ALLOWED_PACKAGES.stream().anyMatch(className::startsWith)
                && className.matches("[A-Za-z0-9_.$]+");
    }

    private static byte[] zipOf(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
