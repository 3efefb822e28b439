package dev.cifar10.cli;

import java.util.Arrays;

/** The doctor's child process, but one whose built-in path aborts as a native crash would (SIGABRT, exit 134). */
public final class CrashingPathCheck {
    public static void main(String[] args) {
        if (Arrays.asList(args).contains("built-in")) {
            System.out.println("simulated native abort");
            Runtime.getRuntime().halt(134);
        }
        Main.main(args);
    }
}
