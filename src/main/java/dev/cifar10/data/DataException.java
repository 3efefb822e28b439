package dev.cifar10.data;

/** Input data is missing, malformed or cannot be fetched. The message says what, where, and what to do. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
