package dev.cifar10.train;

/** Training stopped on request (Ctrl-C or SIGTERM); the exit code is the shell's 128 + signal number. */
public class RunInterruptedException extends RuntimeException {
    private final int exitCode;

    public RunInterruptedException(String signal, int number) {
        super("Stopped by SIG" + signal + ".");
        this.exitCode = 128 + number;
    }

    public int exitCode() {
        return exitCode;
    }
}
