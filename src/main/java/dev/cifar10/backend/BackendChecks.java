package dev.cifar10.backend;

import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;

/** Settings that only some backends can honour, checked once the backend is known. */
public final class BackendChecks {
    private BackendChecks() {
    }

    /** Starts the backend a run's settings ask for and checks they fit it. */
    public static BackendInfo start(RunConfig config) {
        BackendInfo backend = Backends.initialise(config.backendOptions());
        requireSupported(backend, config);
        return backend;
    }

    public static void requireSupported(BackendInfo backend, RunConfig config) {
        if (!backend.backend().equals("cuda") && !config.dataType().equals("float")) {
            throw new ConfigException("data-type " + config.dataType() + " (from " + config.profile() + " or --data-type) needs the cuda build: "
                    + "oneDNN's CPU helpers take float only. Use data-type float on CPU.");
        }
    }
}
