package dev.cifar10.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts this project's code in a separate JVM, as a user would, so a test can kill it for real. */
final class JavaProcess {
    private JavaProcess() {
    }

    static Process start(Path log, List<String> jvmOptions, String mainClass, String... args) throws IOException {
        return startUnder(List.of(), log, jvmOptions, mainClass, args);
    }

    /** The same under a wrapper command ({@code strace ...}, {@code bash -c 'ulimit ...; exec "$0" "$@"'}). */
    static Process startUnder(List<String> wrapper, Path log, List<String> jvmOptions, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static Process train(Path log, String... args) throws IOException {
        return start(log, List.of("-Xmx1g"), "dev.cifar10.cli.Main", prepend("train", args));
    }

    /** train in a process whose files may not grow beyond {@code kib} KiB (the shell's ulimit -f): a full disk, for real. */
    static Process trainWithFileSizeLimit(Path log, int kib, String... args) throws IOException {
        return startUnder(List.of("bash", "-c", "ulimit -f " + kib + " && exec \"$0\" \"$@\""), log, List.of("-Xmx1g"),
                "dev.cifar10.cli.Main", prepend("train", args));
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
