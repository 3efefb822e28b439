package dev.cifar10.train;

/** Training diverged: the loss of a step was NaN or infinite. */
public class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(double loss, int step) {
        this(loss, "at step " + step + " of the epoch");
    }

    /** @param where when it happened, e.g. "at step 3 of the epoch" */
    public NonFiniteLossException(double loss, String where) {
        super("The training loss became " + loss + " " + where + "; training diverged. "
                + "Lower --learning-rate (the notebook uses 0.0001). The last completed epoch's checkpoint is kept.");
    }
}
