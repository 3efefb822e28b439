package dev.cifar10.startup;

import dev.cifar10.config.RunConfig;
import dev.cifar10.startup.Startup.Started;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** One start-up path, in one order, and packages that do not reach into each other. */
class StartupTest {
    @TempDir
    Path tmp;

    @Test
    void startsTheBackendThenTheData() {
        RunConfig config = RunConfig.resolve("test", new Properties(),
                Map.of("data", "synthetic", "max-train-images", "100", "max-test-images", "10"));
        StringWriter console = new StringWriter();
        Started started = Startup.start(config, tmp, new PrintWriter(console, true));
        assertEquals(70, started.data().split().train().length);
        String out = console.toString();
        assertTrue(out.startsWith("Backend: ") && out.indexOf("Data: synthetic") > out.indexOf("Backend: "), out);
    }

    /** config (the settings) and backend (the natives) meet only in Startup; data knows neither. */
    @Test
    void settingsBackendAndDataDoNotImportEachOther() throws IOException {
        assertNoImport("config", "dev.cifar10.backend");
        assertNoImport("backend", "dev.cifar10.config");
        assertNoImport("data", "dev.cifar10.config");
        assertNoImport("data", "dev.cifar10.backend");
    }

    private static void assertNoImport(String pkg, String forbidden) throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/cifar10", pkg))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> offending = Files.readAllLines(file).stream().filter(line -> line.contains(forbidden + ".")).toList();
                assertTrue(offending.isEmpty(), file + " reaches into " + forbidden + ": " + offending);
            }
        }
    }
}
