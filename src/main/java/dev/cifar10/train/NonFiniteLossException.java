package dev.cifar10.train;

/** Training diverged: the loss of a step, or the network's output in an evaluation, was NaN or infinite. */
public class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(double loss, int step) {
        this(loss, "at step " + step + " of the epoch");
    }

    /** @param where when it happened, e.g. "at step 3 of the epoch" */
    public NonFiniteLossException(double loss, String where) {
        super("The training loss became " + loss + " " + where + "; training diverged. "
                + ADVICE);
    }

    /** @param what what became non-finite, e.g. "network's output" */
    public NonFiniteLossException(String what, double value) {
        super("The " + what + " became " + value + "; training diverged. " + ADVICE);
    }

    private static final String ADVICE = "Lower --learning-rate (the notebook uses 0.0001). "
            + "The last completed epoch's checkpoint is kept; no diverged weights were saved.";
}
