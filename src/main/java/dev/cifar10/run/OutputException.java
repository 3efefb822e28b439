package dev.cifar10.run;

/** An output file or directory cannot be written; files already written stay complete. */
public class OutputException extends RuntimeException {
    public OutputException(String message) {
        super(message);
    }
}
