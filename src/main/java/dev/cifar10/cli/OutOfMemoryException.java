package dev.cifar10.cli;

/** The run ran out of Java heap, native (off-heap) or GPU memory; says which and what to raise or lower. */
public final class OutOfMemoryException extends RuntimeException {
    private OutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }

    static OutOfMemoryException explain(OutOfMemoryError e) {
        String m = String.valueOf(e.getMessage());
        String what;
        if (m.contains("maxPhysicalBytes") || m.contains("maxBytes") || m.contains("Physical memory usage") || m.contains("Cannot allocate")
                || m.contains("Failed to allocate")) {
            what = "Out of native (off-heap) memory: " + m + ". ND4J keeps its arrays outside the Java heap, capped by JavaCPP: raise "
                    + "-Dorg.bytedeco.javacpp.maxbytes=8G and -Dorg.bytedeco.javacpp.maxphysicalbytes=10G (java -D... -jar ...), "
                    + "or lower --batch-size / --eval-batch-size. On CUDA, also --max-device-memory-mb.";
        } else {
            what = "Out of Java heap memory (" + m + "). Raise the heap, e.g. java -Xmx4g -jar target/cifar10-dl4j.jar ..., "
                    + "or use fewer images (--max-train-images) or a smaller --eval-batch-size.";
        }
        return new OutOfMemoryException(what + " Epochs already completed are kept in the run directory (resume with --resume DIR).", e);
    }
}
