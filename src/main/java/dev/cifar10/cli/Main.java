package dev.cifar10.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.cifar10.backend.BackendException;
import dev.cifar10.config.ConfigException;
import dev.cifar10.data.DataException;
import dev.cifar10.run.OutputException;
import dev.cifar10.train.NonFiniteLossException;
import dev.cifar10.train.RunInterruptedException;
import dev.cifar10.util.HostInfo;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cifar10-dl4j <command>}: the entry point. Each subcommand is its own class. */
@Command(name = "cifar10-dl4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Trains the Keras CIFAR-10 dropout CNN with Deeplearning4j and times it across hardware.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, BenchCommand.class, ReportCommand.class, DoctorCommand.class, CheckPathCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:unexpected failure", "2:bad command line or run settings",
                "3:bad or missing data", "4:output cannot be written", "5:backend cannot run on this machine",
                "6:training diverged (NaN or infinite loss)", "7:out of memory (the message names the setting to raise)"})
public final class Main {
    public static final int EXIT_CONFIG = 2, EXIT_DATA = 3, EXIT_OUTPUT = 4, EXIT_BACKEND = 5, EXIT_DIVERGED = 6, EXIT_MEMORY = 7;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs one command with its own output streams (tests use this to read what a user would see). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return execute(new Main(), out, err, args);
    }

    /**
     * Runs a picocli command with this program's exit codes and error messages: {@code cifar10-dl4j} itself,
     * or another entry point such as the Spark job, so that every one maps a failure to the same code.
     */
    public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        System.setProperty("java.awt.headless", "true");
        try {
            return new CommandLine(command)
                    .setOut(out).setErr(err)
                    .setExecutionExceptionHandler(Main::handle)
                    .execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler; an Error thrown by a command arrives here, for every command
            err.println("Error: " + OutOfMemoryException.explain(e).getMessage());
            return EXIT_MEMORY;
        }
    }

    /**
     * Known failures get their message and an exit code; only the unexpected get a stack trace. The known
     * failure may arrive wrapped: ND4J and DL4J's prefetch thread wrap native allocation failures, Spark wraps
     * what an executor threw in its own exception.
     */
    private static int handle(Exception thrown, CommandLine cmd, CommandLine.ParseResult parsed) {
        Throwable known = null;
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                known = OutOfMemoryException.explain(oom); // whatever wraps it, running out of memory is the cause to report
                break;
            }
            if (known == null && exitCode(t) != 0) known = t;
        }
        if (known == null) {
            thrown.printStackTrace(cmd.getErr());
            return 1;
        }
        cmd.getErr().println("Error: " + known.getMessage());
        return exitCode(known);
    }

    /** The exit code of a known failure, 0 for any other throwable. */
    static int exitCode(Throwable e) {
        if (e instanceof ConfigException) return EXIT_CONFIG;
        if (e instanceof DataException) return EXIT_DATA;
        if (e instanceof OutputException) return EXIT_OUTPUT;
        if (e instanceof BackendException) return EXIT_BACKEND;
        if (e instanceof NonFiniteLossException) return EXIT_DIVERGED;
        if (e instanceof OutOfMemoryException) return EXIT_MEMORY;
        if (e instanceof RunInterruptedException stopped) return stopped.exitCode(); // 130 for Ctrl-C, 143 for SIGTERM
        return 0;
    }

    /** Logback's root logger: WARN by default, INFO with --verbose. */
    static void setVerbose(boolean verbose) {
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(verbose ? Level.INFO : Level.WARN);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"cifar10-dl4j " + HostInfo.projectVersion() + " (Deeplearning4j " + HostInfo.dl4jVersion() + ")"};
        }
    }
}
