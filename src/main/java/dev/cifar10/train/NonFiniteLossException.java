package dev.cifar10.train;

/** Training diverged: the loss of a step, or the validation loss after an epoch, was NaN or infinite. */
public class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(double loss, int step) {
        super("The training loss became " + loss + " at step " + step + " of the epoch; training diverged. " + ADVICE);
    }

    public NonFiniteLossException(String what, double value) {
        super("The " + what + " became " + value + "; training diverged. " + ADVICE);
    }

    private static final String ADVICE = "Lower --learning-rate (the notebook uses 0.0001). "
            + "The last completed epoch's checkpoint is kept; no diverged weights were saved.";
}
