package dev.cifar10.config;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.*;

/** The settings' declarations: their defaults are the notebook's recipe, and profiles state only what differs. */
class RunConfigTest {

    @Test
    void theDefaultsAreTheNotebooksRecipe() {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("profile", "notebook");
        recipe.put("epochs", 30);
        recipe.put("batch-size", 32);
        recipe.put("learning-rate", 1e-4);
        recipe.put("dropout", 0.2);
        recipe.put("validation-split", 0.3);
        recipe.put("seed", 777L);
        recipe.put("data", "download");
        recipe.put("max-train-images", 0);
        recipe.put("max-test-images", 0);
        recipe.put("eval-batch-size", 256);
        recipe.put("cpu-natives", "auto");
        recipe.put("helpers", true);
        recipe.put("data-type", "float");
        recipe.put("workspace-mode", "ENABLED");
        recipe.put("backend", "auto");
        recipe.put("device", "auto"); // one GPU, the first supported one
        recipe.put("max-device-memory-mb", 0);
        recipe.put("workers", 0);
        recipe.put("averaging-frequency", 3);
        recipe.put("prefetch", 8);
        Map<String, Object> notebook = RunConfig.resolve("notebook", Profiles.load("notebook"), Map.of()).asMap();
        for (Map.Entry<String, Object> e : recipe.entrySet()) {
            assertEquals(e.getValue(), notebook.get(e.getKey()), e.getKey());
        }
        assertTrue(Profiles.load("notebook").isEmpty(), "the notebook profile changes nothing: the defaults are the recipe");
    }

    @Test
    void bundledProfilesStateOnlyWhatDiffersFromTheRecipe() {
        for (String name : Profiles.BUNDLED) {
            Properties profile = Profiles.load(name);
            for (String key : profile.stringPropertyNames()) {
                Setting<?> s = RunConfig.find(key);
                assertNotNull(s, name + ": " + key);
                assertNotEquals(s.defaultValue(), s.parse(profile.getProperty(key), name),
                        "profile " + name + " repeats the recipe's " + key + "; leave it out");
            }
        }
        assertEquals(3, RunConfig.resolve("quick", Profiles.load("quick"), Map.of()).epochs());
    }

    /** --layout auto: NHWC for the tuned layers on the CPU, NCHW on CUDA and for the stock layers; a named layout as named. */
    @Test
    void theLayoutFollowsTheBackendUnlessOneIsNamed() {
        RunConfig auto = RunConfig.resolve("notebook", Profiles.load("notebook"), Map.of());
        assertEquals(CNN2DFormat.NHWC, auto.layoutOn("cpu"));
        assertEquals(CNN2DFormat.NCHW, auto.layoutOn("cuda"));
        RunConfig stock = RunConfig.resolve("notebook", Profiles.load("notebook"), Map.of("layers", "stock"));
        assertEquals(CNN2DFormat.NCHW, stock.layoutOn("cpu"));
        assertEquals(CNN2DFormat.NCHW, RunConfig.resolve("notebook", Profiles.load("notebook"), Map.of("layout", "nchw")).layoutOn("cpu"));
        assertEquals(CNN2DFormat.NHWC, RunConfig.resolve("notebook", Profiles.load("notebook"), Map.of("layout", "nhwc")).layoutOn("cuda"));
    }

    @Test
    void everyDefaultIsAllowedByItsOwnDeclaration() {
        for (Setting<?> s : RunConfig.SETTINGS) {
            assertEquals(s.defaultValue(), s.parse(s.format(s.defaultValue()), "its default"), s.key());
        }
    }

    @Test
    void recordedSettingsWithoutALaterSettingTakeItsDefault() {
        Map<String, Object> recorded = new LinkedHashMap<>(RunConfig.resolve("quick", Profiles.load("quick"), Map.of()).asMap());
        recorded.remove("prefetch");
        RunConfig config = RunConfig.fromRecorded(recorded);
        assertEquals(8, config.prefetch());
        assertEquals(3, config.epochs());
        assertEquals(5, config.with(Map.of("epochs", "5")).epochs());
        ConfigException e = assertThrows(ConfigException.class, () -> config.with(Map.of("epochs", "0")));
        assertTrue(e.getMessage().contains("from --epochs"), e.getMessage());
    }
}
