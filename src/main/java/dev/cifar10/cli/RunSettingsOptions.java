package dev.cifar10.cli;

import dev.cifar10.config.ConfigException;
import dev.cifar10.config.Profiles;
import dev.cifar10.config.RunConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;

/**
 * The run settings of train, bench and the Spark job: a profile, and a flag for each declared
 * setting ({@link RunConfig#SETTINGS}) that overrides it. Help shows the effective defaults: the
 * recipe's, or the command's own profile's where it differs.
 */
public final class RunSettingsOptions {
    private final String defaultProfile;
    private final SettingOptions flags = new SettingOptions();

    private String profile;

    /** The notebook's recipe by default. */
    public RunSettingsOptions() {
        this(Profiles.DEFAULT);
    }

    public RunSettingsOptions(String defaultProfile) {
        this.defaultProfile = defaultProfile;
    }

    /** picocli hands this mixin its own spec while building it: the place to add an option per declared setting. */
    @Spec
    void addSettingOptions(CommandSpec self) {
        self.addOption(OptionSpec.builder("--profile").paramLabel("NAME|FILE").type(String.class)
                .description("Run profile: " + String.join(", ", Profiles.BUNDLED) + ", or a .properties file; "
                        + "it states what differs from the notebook's recipe (default: " + defaultProfile + ").")
                .setter(SettingOptions.store(value -> profile = (String) value)).build());
        RunConfig defaults = RunConfig.resolve(defaultProfile, Profiles.load(defaultProfile), Map.of());
        flags.addTo(self, RunConfig.SETTINGS, setting -> {
            Object value = defaults.get(setting);
            String text = setting.format(value);
            return value.equals(setting.defaultValue()) ? text : text + " in profile " + defaultProfile;
        });
    }

    public RunConfig resolve() {
        String name = profile != null ? profile : defaultProfile;
        return RunConfig.resolve(name, Profiles.load(name), flags.given());
    }

    /** The settings a run recorded; of the flags only --epochs may change them. */
    public RunConfig resolveForResume(RunConfig recorded) {
        List<String> others = flags.given().keySet().stream().filter(key -> !key.equals(RunConfig.EPOCHS.key())).toList();
        if (profile != null || !others.isEmpty()) {
            throw new ConfigException("--resume continues a run with its own settings; only --epochs may change. Remove "
                    + (profile != null ? "--profile " : "") + String.join(" ", others.stream().map(k -> SettingOptions.flag(RunConfig.find(k))).toList()) + ".");
        }
        return recorded.with(flags.given());
    }
}
