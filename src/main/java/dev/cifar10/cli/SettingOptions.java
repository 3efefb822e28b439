package dev.cifar10.cli;

import dev.cifar10.config.Setting;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * picocli options made from setting declarations, so that no flag, help text or range is written
 * twice. Collects the values given on the command line, by setting key; validation stays with the
 * declarations ({@link Setting#parse}), which name the flag in their messages.
 */
final class SettingOptions {
    private final Map<String, String> given = new LinkedHashMap<>();

    /**
     * @param defaultText the default to show in help for each setting
     */
    void addTo(CommandSpec spec, List<Setting<?>> settings, Function<Setting<?>, String> defaultText) {
        for (Setting<?> s : settings) spec.addOption(option(s, defaultText.apply(s)));
    }

    /** What the command line set: setting key to value, as text. */
    Map<String, String> given() {
        return new LinkedHashMap<>(given);
    }

    /** The flag that sets {@code setting}, as the user types it: {@code --epochs}, or {@code --no-helpers} for a switch on by default. */
    static String flag(Setting<?> setting) {
        return flags(setting).get(0);
    }

    /** The flag and its aliases. */
    static List<String> flags(Setting<?> setting) {
        String prefix = Boolean.TRUE.equals(setting.defaultValue()) ? "--no-" : "--";
        return Stream.concat(Stream.of(setting.key()), setting.aliases().stream()).map(name -> prefix + name).toList();
    }

    private OptionSpec option(Setting<?> s, String defaultText) {
        if (s.isFlag()) {
            // a switch that flips the default: --no-helpers for a setting that is on unless switched off
            boolean on = (Boolean) s.defaultValue();
            return OptionSpec.builder(flags(s).toArray(String[]::new)).type(Boolean.class).arity("0")
                    .description((on ? "Do not " + s.description() : capitalised(s.description())) + " (default: " + (on ? "on" : "off") + ").")
                    .setter(store(value -> put(s, Boolean.TRUE.equals(value) ? Boolean.toString(!on) : null)))
                    .build();
        }
        return OptionSpec.builder(flags(s).toArray(String[]::new)).type(String.class).arity("1").paramLabel(s.label())
                .description(capitalised(s.description()) + "; " + s.allowed() + " (default: " + defaultText + ").")
                .setter(store(value -> put(s, (String) value)))
                .build();
    }

    private void put(Setting<?> s, String value) {
        if (value == null) given.remove(s.key());
        else given.put(s.key(), value);
    }

    /** picocli calls a setter with the option's value, and with null when it resets the options before parsing. */
    static ISetter store(Consumer<Object> consumer) {
        return new ISetter() {
            @Override
            public <T> T set(T value) {
                consumer.accept(value);
                return null;
            }
        };
    }

    /** "training epochs" as "Training epochs", but "cuDNN ..." as it is. */
    private static String capitalised(String text) {
        boolean acronym = text.length() > 1 && Character.isUpperCase(text.charAt(1));
        return acronym ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
