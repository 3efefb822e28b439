package dev.cifar10.cli;

import dev.cifar10.Cli.Outcome;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.config.Setting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static dev.cifar10.Cli.run;
import static org.junit.jupiter.api.Assertions.*;

/** The command-line options, help and docs/configuration.md's settings table all come from the setting declarations. */
class SettingOptionsTest {
    static final String TABLE_START = "<!-- settings table: generated from RunConfig's declarations; SettingOptionsTest checks it -->";
    static final String TABLE_END = "<!-- end of settings table -->";

    @Test
    void everyDeclaredSettingIsAFlagWithItsEffectiveDefaultInHelp() {
        Outcome train = run("train", "--help");
        assertEquals(0, train.exitCode(), train.err());
        for (Setting<?> s : RunConfig.SETTINGS) {
            assertTrue(train.out().contains(SettingOptions.flag(s)), s.key() + " has no flag:\n" + train.out());
        }
        assertTrue(train.out().replaceAll("\\s+", " ").contains("--epochs=N Training epochs; an integer from 1 to 10000 (default: 30)."), train.out());
        Outcome bench = run("bench", "--help");
        assertTrue(bench.out().replaceAll("\\s+", " ").contains("(default: 3 in profile bench)"), bench.out());
        Outcome evaluate = run("evaluate", "--help");
        assertTrue(evaluate.out().replaceAll("\\s+", " ").contains("(default: the run's own)"), evaluate.out());
    }

    @Test
    void flagsOverrideTheProfileAndTheSwitchesTurnTheHelpersOff() {
        for (String off : List.of("--no-helpers", "--no-cudnn")) {
            TrainCommand train = new TrainCommand();
            new CommandLine(train).parseArgs("--profile", "quick", "--epochs", "7", off);
            RunConfig config = train.settings.resolve();
            assertEquals(7, config.epochs());
            assertEquals(6000, config.maxTrainImages(), "from the profile");
            assertEquals(32, config.batchSize(), "from the recipe");
            assertFalse(config.helpers(), off);
        }
        TrainCommand resume = new TrainCommand();
        new CommandLine(resume).parseArgs("--no-cudnn", "--epochs", "9");
        RunConfig recorded = RunConfig.resolve("smoke", new Properties(), Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> resume.settings.resolveForResume(recorded));
        assertTrue(e.getMessage().endsWith("Remove --no-helpers."), e.getMessage());
    }

    @Test
    void theDocumentedKeyTableAgreesWithTheDeclarations() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("docs", "configuration.md"));
        int start = readme.indexOf(TABLE_START), end = readme.indexOf(TABLE_END);
        assertTrue(start >= 0 && end > start, "docs/configuration.md lacks the settings table markers");
        List<String> expected = table();
        assertEquals(String.join("\n", expected), String.join("\n", readme.subList(start + 1, end)),
                "docs/configuration.md's settings table differs from the declarations in RunConfig; replace it with the expected text");
    }

    /** docs/configuration.md's table of settings, as the declarations give it. */
    static List<String> table() {
        List<String> rows = new ArrayList<>();
        rows.add("| key | flag | default (the recipe) | allowed | what |");
        rows.add("|---|---|---|---|---|");
        for (Setting<?> s : RunConfig.SETTINGS) {
            String flags = String.join(", ", SettingOptions.flags(s).stream()
                    .map(flag -> "`" + flag + (s.isFlag() ? "" : " " + s.label().replace("|", "\\|")) + "`").toList());
            rows.add("| `" + s.key() + "` | " + flags + " | " + s.format(s.defaultValue()) + " | " + s.allowed() + " | " + s.description() + " |");
        }
        return rows;
    }
}
