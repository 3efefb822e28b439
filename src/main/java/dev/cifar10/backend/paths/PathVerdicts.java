package dev.cifar10.backend.paths;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The verdicts of earlier checks, one per machine, in {@value #FILE} in the cache directory. A file that cannot be
 * read is reported and treated as empty (a new check replaces it); it is written whole or not at all.
 */
public final class PathVerdicts {
    public static final String FILE = "conv-path-verdicts.json";
    static final String SCHEMA = "cifar10-dl4j/conv-path-verdicts";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Stored(String schema, int schemaVersion, List<Verdict> verdicts) {
    }

    private final Path file;

    public PathVerdicts(Path cacheDir) {
        this.file = cacheDir.resolve(FILE);
    }

    public Path file() {
        return file;
    }

    /** The verdict for {@code machine}, or null. */
    public Verdict find(Verdict.Machine machine, PrintWriter warnings) {
        return read(warnings).stream().filter(v -> machine.equals(v.machine())).findFirst().orElse(null);
    }

    /** Stores {@code verdict}, replacing any earlier one for its machine. */
    public void save(Verdict verdict, PrintWriter warnings) {
        List<Verdict> all = new ArrayList<>(read(warnings));
        all.removeIf(v -> verdict.machine().equals(v.machine()));
        all.add(verdict);
        Path tmp = file.resolveSibling("." + FILE + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            JSON.writeValue(tmp.toFile(), new Stored(SCHEMA, 1, all));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            warnings.println("Warning: cannot keep the convolution-path verdict in " + file + " (" + e.getMessage()
                    + "); the next run checks again.");
        }
    }

    private List<Verdict> read(PrintWriter warnings) {
        if (!Files.isRegularFile(file)) return List.of();
        try {
            Stored stored = JSON.readValue(file.toFile(), Stored.class);
            if (!SCHEMA.equals(stored.schema()) || stored.verdicts() == null) throw new IOException("not a " + SCHEMA + " file");
            return stored.verdicts();
        } catch (IOException e) {
            warnings.println("Warning: ignoring " + file + ", which cannot be read (" + e.getMessage() + "); a new check replaces it.");
            return List.of();
        }
    }
}
