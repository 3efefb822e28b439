package dev.cifar10.backend;

import org.nd4j.common.config.ND4JClassLoading;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Loads ND4J with exactly one backend. With both nd4j-native and nd4j-cuda on the classpath (the
 * cuda build), ND4J's {@code Nd4jBackend.load()} would try CUDA first and, where CUDA cannot run,
 * print an {@code UnsatisfiedLinkError} stack trace before settling on the CPU. The backends are
 * found with a {@link java.util.ServiceLoader} through ND4J's class loader, so while ND4J
 * initialises that loader is one that lists only the chosen backend's service file; every class
 * still comes from the application's loader.
 */
final class Nd4jBackendLoader {
    static final String SERVICE = "META-INF/services/" + Nd4jBackend.class.getName();

    private Nd4jBackendLoader() {
    }

    /** Initialises ND4J on {@code backendClass}; the caller has already checked that it can run. */
    static Nd4jBackend load(String backendClass) {
        ClassLoader previous = ND4JClassLoading.getNd4jClassloader();
        ND4JClassLoading.setNd4jClassloader(new OnlyOneBackend(previous, backendClass));
        try {
            Nd4jBackend backend = Nd4j.getBackend(); // ND4J's static initialiser loads the backend here
            if (backend == null || !backend.getClass().getName().equals(backendClass)) {
                throw new BackendException("ND4J loaded " + (backend == null ? "no backend" : backend.getClass().getName())
                        + " instead of " + backendClass + ".", "Report this with the output of the doctor command.");
            }
            return backend;
        } catch (LinkageError | RuntimeException e) {
            if (e instanceof BackendException b) throw b;
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            throw new BackendException("ND4J's backend " + backendClass + " failed to start: " + root,
                    "Run the doctor command for details; on a GPU machine try --backend cpu.");
        } finally {
            ND4JClassLoading.setNd4jClassloader(previous);
        }
    }

    /** Delegates everything to its parent, except that the backend service files list only one backend. */
    static final class OnlyOneBackend extends ClassLoader {
        private final String backendClass;

        OnlyOneBackend(ClassLoader parent, String backendClass) {
            super(parent);
            this.backendClass = backendClass;
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            Enumeration<URL> all = super.getResources(name);
            if (!name.equals(SERVICE)) return all;
            List<URL> kept = new ArrayList<>();
            for (URL url : Collections.list(all)) {
                try (InputStream in = url.openStream()) {
                    if (new String(in.readAllBytes(), StandardCharsets.UTF_8).contains(backendClass)) kept.add(url);
                }
            }
            return Collections.enumeration(kept);
        }
    }
}
