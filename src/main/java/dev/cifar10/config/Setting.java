package dev.cifar10.config;

import java.util.List;
import java.util.function.Function;

/** One run setting: its key (in profiles and, as --key, on the command line), its check, and what it means. */
record Setting<T>(String key, String allowed, Function<String, T> parse, String description) {

    static Setting<Integer> integer(String key, int min, int max, String description) {
        return new Setting<>(key, "an integer from " + min + " to " + max, s -> {
            int v = Integer.parseInt(s.trim());
            if (v < min || v > max) throw new IllegalArgumentException();
            return v;
        }, description);
    }

    static Setting<Long> anyLong(String key, String description) {
        return new Setting<>(key, "an integer", s -> Long.parseLong(s.trim()), description);
    }

    /** A real number in (min, max] when {@code openMin}, else [min, max]. */
    static Setting<Double> real(String key, double min, boolean openMin, double max, boolean openMax, String description) {
        String allowed = "a number " + (openMin ? "greater than " : "from ") + min + (openMax ? " and below " : " to ") + max;
        return new Setting<>(key, allowed, s -> {
            double v = Double.parseDouble(s.trim());
            boolean ok = (openMin ? v > min : v >= min) && (openMax ? v < max : v <= max) && Double.isFinite(v);
            if (!ok) throw new IllegalArgumentException();
            return v;
        }, description);
    }

    static Setting<Boolean> bool(String key, String description) {
        return new Setting<>(key, "true or false", s -> {
            String v = s.trim().toLowerCase();
            if (!v.equals("true") && !v.equals("false")) throw new IllegalArgumentException();
            return Boolean.parseBoolean(v);
        }, description);
    }

    static Setting<String> oneOf(String key, List<String> values, String description) {
        return new Setting<>(key, "one of " + String.join(", ", values), s -> {
            if (!values.contains(s.trim())) throw new IllegalArgumentException();
            return s.trim();
        }, description);
    }

    static Setting<String> text(String key, String description) {
        return new Setting<>(key, "any non-empty text", s -> {
            if (s.isBlank()) throw new IllegalArgumentException();
            return s.trim();
        }, description);
    }

    T parse(String value, String source) {
        try {
            return parse.apply(value);
        } catch (RuntimeException e) {
            throw new ConfigException("Invalid value '" + value + "' for " + key + " (from " + source + "): allowed is " + allowed + ".");
        }
    }
}
