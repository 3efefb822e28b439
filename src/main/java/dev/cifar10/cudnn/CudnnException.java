package dev.cifar10.cudnn;

/**
 * A cuDNN or CUDA call that did not return success: names the call, the status and the shapes it was given.
 * DL4J's convolution and pooling layers catch it, log it once with a warning and compute that layer with their own
 * code from then on. The message never contains "Failed to allocate": DL4J rethrows such messages instead of
 * falling back, which is right for ND4J's own out-of-memory errors but not for a cuDNN workspace.
 */
public class CudnnException extends RuntimeException {
    private final String call;
    private final int status;

    public CudnnException(String call, int status, String statusText, String context) {
        super(call + " returned " + status + " (" + statusText + ")" + (context == null || context.isEmpty() ? "" : " for " + context));
        this.call = call;
        this.status = status;
    }

    public CudnnException(String message, Throwable cause) {
        super(message, cause);
        this.call = null;
        this.status = -1;
    }

    /** The cuDNN or CUDA function that failed, or null. */
    public String call() {
        return call;
    }

    /** Its status code ({@code cudnnStatus_t} or {@code cudaError_t}), or -1. */
    public int status() {
        return status;
    }
}
