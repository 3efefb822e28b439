package dev.cifar10.cudnn;

/**
 * What the cuDNN path's layers share in a process: the seam to cuDNN, the algorithm cache, the per-GPU
 * workspaces, and the settings read once from system properties.
 */
public final class CudnnRuntime {
    /** The seam on a GPU: in the cuda build only (src/cuda/java), so reached by name. */
    public static final String IMPLEMENTATION = "dev.cifar10.cudnn.cuda.JavaCppCudnn";
    /** The largest workspace one convolution algorithm may need, in MiB (default {@value #DEFAULT_WORKSPACE_LIMIT_MIB}). */
    public static final String WORKSPACE_LIMIT_PROPERTY = "cifar10.cudnn.workspace.limit.mib";
    public static final long DEFAULT_WORKSPACE_LIMIT_MIB = 1024;

    private final CudnnApi api;
    private final AlgorithmRule rule;
    private final long workspaceLimitBytes;
    private final AlgorithmCache algorithms = new AlgorithmCache();
    private final Workspaces workspaces;

    public CudnnRuntime(CudnnApi api, AlgorithmRule rule, long workspaceLimitBytes) {
        if (workspaceLimitBytes < 0) throw new IllegalArgumentException("negative workspace limit " + workspaceLimitBytes);
        this.api = api;
        this.rule = rule;
        this.workspaceLimitBytes = workspaceLimitBytes;
        this.workspaces = new Workspaces(api);
    }

    public CudnnApi api() {
        return api;
    }

    public AlgorithmRule rule() {
        return rule;
    }

    public long workspaceLimitBytes() {
        return workspaceLimitBytes;
    }

    public AlgorithmCache algorithms() {
        return algorithms;
    }

    public Workspaces workspaces() {
        return workspaces;
    }

    private static CudnnRuntime shared;
    private static String unavailable;

    /**
     * The process's runtime on the GPU, created on first use with the settings from the system properties; null
     * when cuDNN cannot be called here, and then {@link #unavailableReason()} says why. Tried once per process.
     *
     * @throws IllegalArgumentException when a setting's property holds a value it does not accept
     */
    public static synchronized CudnnRuntime shared() {
        AlgorithmRule rule = AlgorithmRule.fromProperty();
        long limit = workspaceLimitMiB() * 1024 * 1024;
        if (shared == null && unavailable == null) {
            try {
                CudnnApi api = (CudnnApi) Class.forName(IMPLEMENTATION).getConstructor().newInstance();
                shared = new CudnnRuntime(api, rule, limit);
            } catch (ClassNotFoundException e) {
                unavailable = "this build has no cuDNN path (" + IMPLEMENTATION + " is in the cuda build only)";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                Throwable cause = e instanceof java.lang.reflect.InvocationTargetException && e.getCause() != null ? e.getCause() : e;
                unavailable = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
        }
        return shared;
    }

    /** Why {@link #shared()} is null, or null. */
    public static synchronized String unavailableReason() {
        return unavailable;
    }

    static long workspaceLimitMiB() {
        String value = System.getProperty(WORKSPACE_LIMIT_PROPERTY, Long.toString(DEFAULT_WORKSPACE_LIMIT_MIB)).trim();
        try {
            long mib = Long.parseLong(value);
            if (mib >= 0) return mib;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("The system property " + WORKSPACE_LIMIT_PROPERTY + " must be a whole number of MiB (0 or more), got '"
                + value + "'.");
    }
}
