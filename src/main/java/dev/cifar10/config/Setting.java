package dev.cifar10.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One run setting, declared once in {@link RunConfig}: its key (in profiles, in run.json, and as
 * {@code --key} on the command line), what values it allows, its default (the notebook's recipe),
 * and what it means. The command-line options, the profile parser, run.json's config section and
 * docs/configuration.md's settings table all come from these declarations.
 *
 * @param label   how the value is shown in help, e.g. {@code N} or {@code auto|onednn}
 * @param aliases further command-line names (without dashes), e.g. {@code cudnn} for {@code helpers}
 */
public record Setting<T>(String key, T defaultValue, String allowed, String label, Function<String, T> parser, String description,
                         List<String> aliases) {

    static Setting<Integer> integer(String key, int min, int max, int defaultValue, String description) {
        return new Setting<>(key, defaultValue, "an integer from " + min + " to " + max, "N", s -> {
            int v = Integer.parseInt(s.trim());
            if (v < min || v > max) throw new IllegalArgumentException();
            return v;
        }, description, List.of());
    }

    static Setting<Long> anyLong(String key, long defaultValue, String description) {
        return new Setting<>(key, defaultValue, "an integer", "N", s -> Long.parseLong(s.trim()), description, List.of());
    }

    /** A real number in (min, max] when {@code openMin}, else [min, max]. */
    static Setting<Double> real(String key, double min, boolean openMin, double max, boolean openMax, double defaultValue,
                                String description) {
        String allowed = "a number " + (openMin ? "greater than " : "at least ") + plain(min) + " and " + (openMax ? "below " : "at most ") + plain(max);
        return new Setting<>(key, defaultValue, allowed, "X", s -> {
            double v = Double.parseDouble(s.trim());
            boolean ok = (openMin ? v > min : v >= min) && (openMax ? v < max : v <= max) && Double.isFinite(v);
            if (!ok) throw new IllegalArgumentException();
            return v;
        }, description, List.of());
    }

    static Setting<Boolean> bool(String key, boolean defaultValue, String description) {
        return new Setting<>(key, defaultValue, "true or false", "true|false", s -> {
            String v = s.trim().toLowerCase();
            if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException();
            return Boolean.parseBoolean(v);
        }, description, List.of());
    }

    static Setting<String> oneOf(String key, List<String> values, String defaultValue, String description) {
        return new Setting<>(key, defaultValue, "one of " + String.join(", ", values), String.join("|", values), s -> {
            if (!values.contains(s.trim())) throw new IllegalArgumentException();
            return s.trim();
        }, description, List.of());
    }

    /** "auto", "all" or a GPU index from 0 to 63. */
    static Setting<String> device(String key, String defaultValue, String description) {
        return new Setting<>(key, defaultValue, "auto, all, or a GPU index from 0 to 63", "auto|all|N", s -> {
            String v = s.trim();
            if (!v.equals("auto") && !v.equals("all") && !(v.matches("\\d{1,2}") && Integer.parseInt(v) <= 63)) {
                throw new IllegalArgumentException();
            }
            return v;
        }, description, List.of());
    }

    /** @param allowed what the text may be, in words (checked where it is used; here only that it is not empty) */
    static Setting<String> text(String key, String label, String allowed, String defaultValue, String description) {
        return new Setting<>(key, defaultValue, allowed, label, s -> {
            if (s.isBlank()) throw new IllegalArgumentException();
            return s.trim();
        }, description, List.of());
    }

    /** The same setting with a further command-line name. */
    Setting<T> alias(String name) {
        List<String> all = new ArrayList<>(aliases);
        all.add(name);
        return new Setting<>(key, defaultValue, allowed, label, parser, description, List.copyOf(all));
    }

    public boolean isFlag() {
        return defaultValue instanceof Boolean;
    }

    /** A value as a user writes it: in a profile, after {@code --key}, in help ({@code 0.0001}, not {@code 1.0E-4}). */
    public String format(Object value) {
        return value instanceof Double d ? plain(d) : String.valueOf(value);
    }

    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /**
     * @param source where the value came from, for the message ({@code --epochs}, {@code profile quick})
     * @throws ConfigException naming the key, the value, where it came from and what is allowed
     */
    public T parse(String value, String source) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new ConfigException("Invalid value '" + value + "' for " + key + " (from " + source + "): allowed is " + allowed + ".");
        }
    }
}
