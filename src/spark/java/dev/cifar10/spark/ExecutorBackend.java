package dev.cifar10.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.BackendOptions;
import dev.cifar10.backend.Backends;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

import java.util.Arrays;
import java.util.Map;

/**
 * Starts the backend in every executor JVM exactly as {@code train} starts it on its machine
 * ({@link Backends#initialise}: the native build, OpenMP settings, layer helpers switched on). A
 * Spark plugin, because it runs when the executor starts, before any task deserialises an ND4J
 * array: the native build and the helpers' switch can only be chosen before ND4J loads. The
 * driver's options travel in the Spark configuration; the job adds this plugin to
 * {@code spark.plugins} itself.
 */
public final class ExecutorBackend implements SparkPlugin {
    static final String OPTIONS_KEY = "spark.cifar10.backendOptions";
    private static final String PLUGINS_KEY = "spark.plugins";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BackendInfo started;
    private static RuntimeException failure;

    /** Makes every executor of a context made from {@code conf} start its backend with {@code options}. */
    static void configure(SparkConf conf, BackendOptions options) {
        try {
            conf.set(OPTIONS_KEY, JSON.writeValueAsString(options));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String plugins = conf.get(PLUGINS_KEY, "").strip();
        if (!Arrays.asList(plugins.split(",")).contains(ExecutorBackend.class.getName())) {
            conf.set(PLUGINS_KEY, plugins.isEmpty() ? ExecutorBackend.class.getName() : plugins + "," + ExecutorBackend.class.getName());
        }
    }

    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext context, Map<String, String> extraConf) {
                start(context.conf());
            }
        };
    }

    /**
     * Starts the backend; a failure is kept and thrown by {@link #require} in the first task, so that it ends
     * the job with its message (exit 5) instead of Spark relaunching an executor that cannot start.
     */
    static synchronized void start(SparkConf conf) {
        try {
            if (!conf.contains(OPTIONS_KEY)) {
                throw new BackendException("The executor was started without " + OPTIONS_KEY + ".",
                        "Start the job with SparkTrainJob, which sets it.");
            }
            started = Backends.initialise(JSON.readValue(conf.get(OPTIONS_KEY), BackendOptions.class));
        } catch (RuntimeException e) {
            failure = e;
        } catch (JsonProcessingException e) {
            failure = new IllegalStateException("Bad " + OPTIONS_KEY + ": " + e.getMessage(), e);
        }
    }

    /** The backend this executor started, or why it could not. Every task that touches ND4J calls this first. */
    static synchronized BackendInfo require() {
        if (failure != null) throw failure;
        if (started == null) {
            throw new BackendException("This executor's backend was not initialised: Spark did not run the plugin "
                    + ExecutorBackend.class.getName() + " when the executor started.",
                    "Keep it in " + PLUGINS_KEY + " (the job adds it) and the project's jar on the executors' classpath (--jars).");
        }
        return started;
    }
}
