package dev.cifar10.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Named run profiles: {@code profiles/NAME.properties}, bundled into the jar from the project's
 * {@code profiles/} folder, or any {@code .properties} file given by path.
 */
public final class Profiles {
    public static final String DEFAULT = "notebook";
    public static final List<String> BUNDLED = List.of("notebook", "quick", "smoke", "bench");

    private Profiles() {
    }

    public static Properties load(String nameOrPath) {
        Properties p = new Properties();
        Path file = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".properties") || nameOrPath.contains("/")) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("Profile file " + file.toAbsolutePath() + " does not exist. Bundled profiles: " + String.join(", ", BUNDLED) + ".");
            }
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("Cannot read profile file " + file + ": " + e.getMessage());
            }
            return p;
        }
        try (InputStream in = Profiles.class.getResourceAsStream("/profiles/" + nameOrPath + ".properties")) {
            if (in == null) {
                throw new ConfigException("Unknown profile '" + nameOrPath + "'. Bundled profiles: " + String.join(", ", BUNDLED)
                        + "; or pass a path to a .properties file.");
            }
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new ConfigException("Cannot read bundled profile " + nameOrPath + ": " + e.getMessage());
        }
    }
}
