package dev.cifar10.run;

import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything needed to continue a run after epoch {@code epoch}: the model with its updater state
 * (a zip of its own), ND4J's random-number state (dropout masks) and the history so far. The zip
 * is written first, then {@code checkpoint.json}, which names it; each atomically. A kill at any
 * moment leaves a {@code checkpoint.json} that names a complete zip.
 */
public record Checkpoint(int epoch, String modelFile, long rngRootState, long rngNodeState, List<EpochStats> history) {
    static final String FILE = "checkpoint.json";

    static String modelFileFor(int epoch) {
        return String.format(Locale.ROOT, "checkpoint-epoch-%04d.zip", epoch);
    }

    /**
     * Saves the state after {@code history.last()}; removes the previous epoch's model zip once the new one is named.
     * @return the model zip just written
     */
    public static Path save(RunDirectory run, MultiLayerNetwork net, History history) {
        int epoch = history.last().epoch();
        String zip = modelFileFor(epoch);
        run.writeModel(zip, net);
        var random = Nd4j.getRandom();
        run.writeJson(FILE, new Checkpoint(epoch, zip, random.rootState(), random.nodeState(), List.copyOf(history.epochs())));
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

    public static Checkpoint read(RunDirectory run) {
        Path file = run.resolve(FILE);
        try {
            JsonNode json = RunDirectory.JSON.readTree(file.toFile());
            List<EpochStats> history = new ArrayList<>();
            for (JsonNode e : json.get("history")) history.add(RunDirectory.JSON.treeToValue(e, EpochStats.class));
            return new Checkpoint(json.get("epoch").asInt(), json.get("modelFile").asText(), json.get("rngRootState").asLong(),
                    json.get("rngNodeState").asLong(), history);
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot read the checkpoint " + file + ": " + e.getMessage()
                    + ". The run cannot be resumed; start a new one (its model.zip holds the last saved weights).");
        }
    }

    /** The network as it was after {@link #epoch}, with ND4J's random state as it was then. */
    public MultiLayerNetwork restore(RunDirectory run) {
        Path zip = run.resolve(modelFile);
        try {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);
            Nd4j.getRandom().setStates(rngRootState, rngNodeState);
            return net;
        } catch (IOException | RuntimeException e) {
            throw new OutputException("Cannot restore the checkpointed model " + zip + ": " + e.getMessage()
                    + ". The run cannot be resumed; start a new one.");
        }
    }
}
