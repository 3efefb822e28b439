package dev.cifar10.backend;

/** The backend cannot run here: what was found, and what to do instead. */
public class BackendException extends RuntimeException {
    private final String remedy;

    public BackendException(String problem, String remedy) {
        super(problem + " " + remedy);
        this.remedy = remedy;
    }

    public String remedy() {
        return remedy;
    }
}
