package dev.cifar10.train;

import dev.cifar10.backend.BackendException;
import dev.cifar10.config.ConfigException;
import dev.cifar10.data.DataException;
import dev.cifar10.run.OutputException;

import java.util.List;

/**
 * This program's own failures inside whatever wraps them: DL4J's ParallelWrapper rethrows a worker
 * thread's exception inside two RuntimeExceptions, which would otherwise end as exit 1 and a stack trace.
 */
public final class Failures {
    private static final List<Class<? extends RuntimeException>> KNOWN = List.of(ConfigException.class, DataException.class,
            OutputException.class, BackendException.class, NonFiniteLossException.class, RunInterruptedException.class);

    private Failures() {
    }

    /** The first cause of type {@code type} in {@code thrown}'s chain, or null. */
    public static <T extends Throwable> T find(Throwable thrown, Class<T> type) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /** Whether {@code thrown}'s chain holds one of this program's own exceptions. */
    public static boolean isKnown(Throwable thrown) {
        Throwable known = known(thrown);
        return known != thrown || KNOWN.stream().anyMatch(type -> type.isInstance(thrown));
    }

    /** The first of this program's own exceptions in {@code thrown}'s chain; {@code thrown} itself when there is none. */
    public static Throwable known(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            for (Class<? extends RuntimeException> type : KNOWN) {
                if (type.isInstance(t)) return t;
            }
        }
        return thrown;
    }
}
