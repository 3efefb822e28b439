package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim, not ND4J's own class. It lives at this name on purpose.
 *
 * <p>DL4J 1.0.0-M2.1's {@code BaseMKLDNNHelper.mklDnnEnabled()} decides whether the oneDNN layer
 * helpers may run by calling {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()}
 * reflectively. In M2.1 ND4J moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method to
 * {@code isUseONEDNN()}, so the lookup fails and DL4J silently trains on its slow built-in paths.
 * This class answers at the old name by asking the real environment at the new one.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The subset of the old {@code Nd4jCpu.Environment} API that DL4J M2.1 calls. */
    public static final class Environment {
        private static final String REAL_CLASS = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
        private static final Environment INSTANCE = new Environment();

        private final Object real;
        private final Method isUseOneDnn;

        private Environment() {
            try {
                Class<?> c = Class.forName(REAL_CLASS);
                this.real = c.getMethod("getInstance").invoke(null);
                this.isUseOneDnn = c.getMethod("isUseONEDNN");
            } catch (ReflectiveOperationException e) {
                // Not on the CPU backend (or ND4J changed again): DL4J treats a throw as "oneDNN off".
                throw new IllegalStateException("ND4J CPU environment not available: " + e, e);
            }
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            try {
                return (Boolean) isUseOneDnn.invoke(real);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
