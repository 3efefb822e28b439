package dev.cifar10.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Results files: JSON Lines, one {@link BenchRecord} a line, appended to by every run. */
public final class BenchResults {
    /** Fields this program does not know are ignored at every level, so a newer writer's record still reads (BenchRecord's rule). */
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private BenchResults() {
    }

    /** Appends one line; a crash can cut only the line being written, which readers skip with a warning. */
    public static void append(Path file, BenchRecord record) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        String line = JSON.writeValueAsString(record) + "\n";
        Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    }

    public record Loaded(Path file, int line, BenchRecord record) {
    }

    /** Every usable record of every file; the rest is reported on {@code warnings} with file and line. */
    public static List<Loaded> read(List<Path> files, PrintWriter warnings) {
        List<Loaded> records = new ArrayList<>();
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                warnings.println("Warning: skipped " + file + ": cannot read it (" + e.getMessage() + ")");
                continue;
            }
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i).strip();
                if (text.isEmpty()) continue;
                try {
                    BenchRecord r = JSON.readValue(text, BenchRecord.class);
                    String problem = r.problem();
                    if (problem != null) {
                        warnings.println("Warning: skipped " + file + ":" + (i + 1) + ": " + problem);
                    } else {
                        records.add(new Loaded(file, i + 1, r));
                    }
                } catch (JsonProcessingException e) {
                    warnings.println("Warning: skipped " + file + ":" + (i + 1) + ": not a JSON record ("
                            + e.getOriginalMessage() + ")");
                }
            }
        }
        return records;
    }
}
