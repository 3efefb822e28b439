package dev.cifar10;

import dev.cifar10.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs a command in this JVM as a user would type it, keeping what it printed. */
public final class Cli {
    private Cli() {
    }

    public record Outcome(int exitCode, String out, String err) {
    }

    public static Outcome run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(code, out.toString(), err.toString());
    }
}
