package dev.cifar10.run;

import dev.cifar10.model.NotebookCnn;
import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Everything needed to continue a run after epoch {@code epoch}: the model with its updater state
 * (a zip of its own, with its SHA-256), ND4J's random-number state (dropout masks) and the history
 * so far. The zip is written first, then {@code checkpoint.json}, which names it; each atomically.
 * A kill at any moment leaves a {@code checkpoint.json} that names a complete zip.
 */
public record Checkpoint(int epoch, String modelFile, String modelSha256, long rngRootState, long rngNodeState, List<EpochStats> history) {
    static final String FILE = "checkpoint.json";
    private static final String CANNOT_RESUME = " The run cannot be resumed from it; start a new run (model.zip, if present, holds the last saved weights).";

    static String modelFileFor(int epoch) {
        return String.format(Locale.ROOT, "checkpoint-epoch-%04d.zip", epoch);
    }

    /**
     * Saves the state after {@code history.last()}; removes the previous epoch's model zip once the new one is named.
     * @return the model zip just written (the stock NCHW network, see {@link SavedModels})
     */
    public static Path save(RunDirectory run, MultiLayerNetwork net, History history) {
        int epoch = history.last().epoch();
        String zip = modelFileFor(epoch);
        run.writeModel(zip, net);
        var random = Nd4j.getRandom();
        run.writeJson(FILE, new Checkpoint(epoch, zip, sha256(run.resolve(zip)), random.rootState(), random.nodeState(),
                List.copyOf(history.epochs())));
        if (epoch > 1) {
            try {
                Files.deleteIfExists(run.resolve(modelFileFor(epoch - 1)));
            } catch (IOException e) {
                // an extra old zip costs only disk space
            }
        }
        return run.resolve(zip);
    }

    /** The checkpoint to resume {@code run} from; refuses a run that completed no epoch. */
    public static Checkpoint require(RunDirectory run) {
        if (!exists(run)) {
            throw new OutputException("Cannot resume " + run.path() + ": no epoch was completed (no checkpoint.json). Start a new run.");
        }
        return read(run);
    }

    public static boolean exists(RunDirectory run) {
        return Files.isRegularFile(run.resolve(FILE));
    }

    /** Reads checkpoint.json and checks it against itself and against the zip it names, before anything is restored. */
    public static Checkpoint read(RunDirectory run) {
        Path file = run.resolve(FILE);
        Checkpoint c;
        try {
            JsonNode json = RunDirectory.JSON.readTree(file.toFile());
            List<EpochStats> history = new ArrayList<>();
            for (JsonNode e : required(json, "history")) history.add(RunDirectory.JSON.treeToValue(e, EpochStats.class));
            c = new Checkpoint(required(json, "epoch").asInt(), required(json, "modelFile").asText(), json.path("modelSha256").asText(""),
                    required(json, "rngRootState").asLong(), required(json, "rngNodeState").asLong(), history);
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot read the checkpoint " + file + ": " + e.getMessage() + "." + CANNOT_RESUME);
        }
        String inconsistency = c.inconsistency();
        if (inconsistency != null) {
            throw new OutputException("The checkpoint " + file + " is inconsistent: " + inconsistency + "." + CANNOT_RESUME);
        }
        Path zip = run.resolve(c.modelFile);
        if (!Files.isRegularFile(zip)) {
            throw new OutputException("The checkpointed model " + zip + " named by " + file + " is missing." + CANNOT_RESUME);
        }
        if (!c.modelSha256.isEmpty() && !c.modelSha256.equals(sha256(zip))) {
            throw new OutputException("The checkpointed model " + zip + " is damaged: its SHA-256 is not the one " + file
                    + " recorded when it was written." + CANNOT_RESUME);
        }
        return c;
    }

    private static JsonNode required(JsonNode json, String field) throws IOException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) throw new IOException("no \"" + field + "\"");
        return value;
    }

    /** Why the epoch, the history and the model file name disagree; null when they agree. */
    String inconsistency() {
        if (epoch < 1) return "epoch " + epoch + " is not a completed epoch";
        if (history.size() != epoch) return "epoch " + epoch + " but " + history.size() + " epochs of history";
        for (int i = 0; i < history.size(); i++) {
            if (history.get(i).epoch() != i + 1) return "history row " + (i + 1) + " is epoch " + history.get(i).epoch();
        }
        if (!modelFile.equals(modelFileFor(epoch))) return "epoch " + epoch + " but model file " + modelFile;
        return null;
    }

    /** Whether model.zip already holds this checkpoint's model (it lags after a kill between the two writes). */
    public boolean matchesModelZip(RunDirectory run) {
        Path model = run.resolve("model.zip");
        return !modelSha256.isEmpty() && Files.isRegularFile(model) && modelSha256.equals(sha256(model));
    }

    /** The network as it was after {@link #epoch}, with ND4J's random state as it was then. */
    public MultiLayerNetwork restore(RunDirectory run, NotebookCnn.Settings form) {
        Path zip = run.resolve(modelFile);
        try {
            MultiLayerNetwork net = SavedModels.read(zip, true, form.layers(), form.layout());
            Nd4j.getRandom().setStates(rngRootState, rngNodeState);
            return net;
        } catch (OutputException e) {
            throw new OutputException(e.getMessage() + CANNOT_RESUME);   // SavedModels names the zip and what is wrong
        } catch (RuntimeException e) {
            throw new OutputException("Cannot restore the checkpointed model " + zip + ": " + e.getMessage() + "." + CANNOT_RESUME);
        }
    }

    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new OutputException("Cannot read " + file + ": " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
