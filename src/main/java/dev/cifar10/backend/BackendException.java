package dev.cifar10.backend;

/** The backend cannot run here: what was found, and what to do instead. */
public class BackendException extends RuntimeException {
    private final String problem, remedy;

    public BackendException(String problem, String remedy) {
        super(problem + " " + remedy);
        this.problem = problem;
        this.remedy = remedy;
    }

    public String problem() {
        return problem;
    }

    public String remedy() {
        return remedy;
    }
}
