package dev.cifar10.run;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.cifar10.backend.BackendInfo;
import dev.cifar10.backend.GpuDevice;
import dev.cifar10.config.ConfigException;
import dev.cifar10.config.RunConfig;
import dev.cifar10.data.Standardisation;
import dev.cifar10.data.TrainValidationSplit;
import dev.cifar10.util.HostInfo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's {@code run.json}: what ran (settings, seed), where (software, backend, hardware), on what
 * data (source, split, the channel statistics {@code evaluate} standardises with), how it stands,
 * and at the end the test result. Written by {@code train} and the Spark job; read back by
 * {@code train --resume}, {@code evaluate} and tests through {@link #read}, the one reader.
 *
 * <p>Versioned like the benchmark records ({@link #SCHEMA}, {@link #SCHEMA_VERSION}). Readers ignore
 * fields they do not know, so adding a field is compatible; renaming or removing one bumps the
 * version. Files of the unversioned first format (no {@code schema}) still read: their
 * {@code config} and {@code data} sections have the same shape.
 *
 * @param resumptions one entry per {@code --resume}, oldest first
 * @param spark   the Spark job's cluster and training master; null for {@code train}
 * @param test    null until the run completes
 * @param error   why the run stopped, when its status is interrupted, diverged or failed; else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(
        String schema,
        int schemaVersion,
        Status status,
        String started,
        String finished,
        List<Resumption> resumptions,
        RunConfig config,
        long seed,
        Software software,
        Backend backend,
        List<GpuDevice> gpus,
        Cuda cuda,
        Hardware hardware,
        Data data,
        Spark spark,
        TestResult test,
        String error) {

    public static final String FILE = "run.json";
    public static final String SCHEMA = "cifar10-dl4j/run-record";
    public static final int SCHEMA_VERSION = 1;

    /** Ignores what it does not know, in every section: newer versions and other tools may add fields. */
    private static final ObjectReader READER = RunDirectory.JSON.readerFor(RunRecord.class)
            .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE);

    public enum Status {
        RUNNING, COMPLETED,
        /** stopped by Ctrl-C or SIGTERM: resume it */
        INTERRUPTED,
        /** the loss or the network's output became NaN or infinite */
        DIVERGED,
        /** stopped by another error (a full disk, say): the last checkpoint is whole, resume once fixed */
        FAILED,
        /** a status written by a newer version of this program */
        @JsonEnumDefaultValue UNKNOWN;

        @JsonValue
        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @param backend the backend the resumed part ran on; fallback why not CUDA, or null */
    public record Resumption(String time, int afterEpoch, String nativeVariant, String backend, String fallback) {
    }

    public record Software(String project, String deeplearning4j, String commit, String java, String os, long maxHeapBytes) {
        static Software current() {
            return new Software(HostInfo.projectVersion(), HostInfo.dl4jVersion(), HostInfo.gitCommit(), HostInfo.javaRuntime(),
                    HostInfo.osName(), Runtime.getRuntime().maxMemory());
        }
    }

    /**
     * @param build           the build: "cpu", or "cuda" (which carries the CPU backend too)
     * @param name            the backend that ran: "cpu" or "cuda"
     * @param fallback        why the cuda build ran on the CPU, or null
     * @param attachedHelpers the helper each convolution and pooling layer carried, read from the network (kind to helper to layers)
     * @param details         what the backend reports of itself (OpenMP settings, BLAS vendor, threads, visible GPUs, what was requested)
     */
    public record Backend(String build, String name, String fallback, String nativeVariant, String layerHelpers,
                          Map<String, Map<String, Integer>> attachedHelpers, Map<String, Object> details) {
        Backend withAttachedHelpers(Map<String, Map<String, Integer>> attached) {
            return new Backend(build, name, fallback, nativeVariant, layerHelpers, attached, details);
        }
    }

    /**
     * Versions read from the loaded libraries.
     *
     * @param cuda   the CUDA runtime (cudaRuntimeGetVersion)
     * @param driver the CUDA version the driver supports (cudaDriverGetVersion)
     * @param cudnn  cudnnGetVersion
     */
    public record Cuda(String cuda, String driver, String cudnn) {
    }

    public record Hardware(String cpuModel, int logicalCores, long memoryBytes, String host) {
    }

    /**
     * Where the images came from, the split, and the training set's per-channel statistics.
     *
     * @param trainingRecords the records the split was drawn from (train plus validation)
     */
    public record Data(String source, long trainingRecords, int trainImages, int validationImages, long testImages,
                       double[] channelMean, double[] channelStd, String recordsSha256) {

        public static Data of(String source, long trainingRecords, TrainValidationSplit split, long testImages, Standardisation s) {
            return new Data(source, trainingRecords, split.train().length, split.validation().length, testImages, s.mean(), s.std(), null);
        }

        /** With the SHA-256 of every record ({@code Cifar10.recordsSha256}): resume then notices a changed label too. */
        public Data withRecordsSha256(String sha256) {
            return new Data(source, trainingRecords, trainImages, validationImages, testImages, channelMean, channelStd, sha256);
        }

        /**
         * What differs between this, the data a run recorded, and {@code now}, the data loaded to resume it; empty when nothing
         * does. A field this record lacks (an older run) is not compared.
         */
        public List<String> changesTo(Data now) {
            List<String> changes = new ArrayList<>();
            compare(changes, "source", source, now.source);
            compare(changes, "trainingRecords", trainingRecords, now.trainingRecords);
            compare(changes, "trainImages", trainImages, now.trainImages);
            compare(changes, "validationImages", validationImages, now.validationImages);
            compare(changes, "testImages", testImages, now.testImages);
            compare(changes, "channelMean", channelMean == null ? null : Arrays.toString(channelMean), Arrays.toString(now.channelMean));
            compare(changes, "channelStd", channelStd == null ? null : Arrays.toString(channelStd), Arrays.toString(now.channelStd));
            compare(changes, "recordsSha256", recordsSha256, now.recordsSha256);
            return changes;
        }

        private static void compare(List<String> changes, String field, Object recorded, Object now) {
            if (recorded != null && !recorded.equals(now)) changes.add(field + " was " + recorded + ", now " + now);
        }

        /** The statistics test images must be standardised with, as the run computed them on its training set. */
        public Standardisation standardisation() {
            return new Standardisation(channelMean, channelStd);
        }

        String problem() {
            if (channelMean == null || channelStd == null || channelMean.length != 3 || channelStd.length != 3) {
                return "no channel statistics (data.channelMean, data.channelStd)";
            }
            return null;
        }
    }

    /**
     * @param rddTrainingApproach how the batches reach the executors: DL4J's "Export" (through the default file system) or "Direct"
     * @param executors           each executor JVM that trained, as its tasks reported it; null until the run completes
     */
    public record Spark(String version, String master, int defaultParallelism, int averagingSteps, String trainingMaster,
                        String rddTrainingApproach, List<Executor> executors) {
        public Spark withApproach(String approach) {
            return new Spark(version, master, defaultParallelism, averagingSteps, trainingMaster, approach, executors);
        }

        public Spark withExecutors(List<Executor> trained) {
            return new Spark(version, master, defaultParallelism, averagingSteps, trainingMaster, rddTrainingApproach, trained);
        }
    }

    /**
     * What one Spark executor JVM trained with, checked on its layers.
     *
     * @param layerHelpers    the backend's helpers setting in that JVM ("oneDNN", "cuDNN" or "off")
     * @param attachedHelpers the helpers its layers carry, as {@code LayerHelpers.attached} reads them
     */
    public record Executor(String host, long pid, String nativeVariant, String layerHelpers,
                           Map<String, Map<String, Integer>> attachedHelpers) implements Serializable {
    }

    public record TestResult(double loss, double accuracy) {
    }

    /** A new run's record: running, started now, on this machine. */
    public static RunRecord start(RunConfig config, BackendInfo backend, Data data) {
        boolean cuda = !backend.gpus().isEmpty();
        Map<String, String> versions = backend.cudaVersions();
        return new RunRecord(SCHEMA, SCHEMA_VERSION, Status.RUNNING, Instant.now().toString(), null, List.of(), config, config.seed(),
                Software.current(), new Backend(backend.build(), backend.backend(), backend.fallback(), backend.nativeVariant(),
                        backend.helpers(), null, backend.details()),
                cuda ? backend.gpus() : null,
                cuda ? new Cuda(versions.get("cudaRuntime"), versions.get("cudaDriver"), versions.get("cudnn")) : null,
                new Hardware(backend.cpu().model(), backend.cpu().logicalCores(), HostInfo.totalMemoryBytes(), HostInfo.hostName()),
                data, null, null, null);
    }

    /** With the helpers the network's layers carry (read from them after initialisation). */
    public RunRecord withAttachedHelpers(Map<String, Map<String, Integer>> attached) {
        return new RunRecord(schema, schemaVersion, status, started, finished, resumptions, config, seed, software,
                backend == null ? null : backend.withAttachedHelpers(attached), gpus, cuda, hardware, data, spark, test, error);
    }

    public RunRecord withSpark(Spark spark) {
        return new RunRecord(schema, schemaVersion, status, started, finished, resumptions, config, seed, software, backend, gpus, cuda,
                hardware, data, spark, test, error);
    }

    /** Running again after {@code afterEpoch}, with {@code config} (which may train longer), in this program's format. */
    public RunRecord resumed(RunConfig resumedConfig, int afterEpoch, BackendInfo resumedOn) {
        List<Resumption> all = new ArrayList<>(resumptions == null ? List.of() : resumptions);
        all.add(new Resumption(Instant.now().toString(), afterEpoch, resumedOn.nativeVariant(), resumedOn.backend(), resumedOn.fallback()));
        return new RunRecord(SCHEMA, SCHEMA_VERSION, Status.RUNNING, started, null, List.copyOf(all), resumedConfig, seed, software,
                backend, gpus, cuda, hardware, data, spark, null, null);
    }

    public RunRecord completed(EvaluationResult result) {
        return new RunRecord(schema, schemaVersion, Status.COMPLETED, started, Instant.now().toString(), resumptions, config, seed,
                software, backend, gpus, cuda, hardware, data, spark, new TestResult(result.loss(), result.accuracy()), null);
    }

    /** Stopped before completing: {@code status} says how (interrupted, diverged, failed), {@code error} why. */
    public RunRecord ended(Status how, String why) {
        return new RunRecord(schema, schemaVersion, how, started, Instant.now().toString(), resumptions, config, seed,
                software, backend, gpus, cuda, hardware, data, spark, null, why);
    }

    public void write(RunDirectory run) {
        run.writeJson(FILE, this);
    }

    /** Why this record cannot be used, or null when it can. */
    String problem() {
        if (schema != null && !SCHEMA.equals(schema)) return "not a " + SCHEMA + " record (schema: " + schema + ")";
        if (schemaVersion > SCHEMA_VERSION) {
            return "schema version " + schemaVersion + " is newer than this program reads (" + SCHEMA_VERSION + "); use the version that wrote it";
        }
        if (config == null) return "no \"config\" section";
        if (data == null) return "no \"data\" section";
        return data.problem();
    }

    /**
     * The record of the run in {@code runDir}.
     *
     * @throws ConfigException when there is none, or it cannot be read or used: the directory given is not a run of this program
     */
    public static RunRecord read(Path runDir) {
        Path file = runDir.resolve(FILE);
        RunRecord record;
        try {
            record = READER.readValue(file.toFile());
        } catch (IOException e) {
            throw new ConfigException("Cannot read the run record " + file + ": " + causeOf(e)
                    + ". Name a run directory written by train or by the Spark job.");
        }
        String problem = record == null ? "empty" : record.problem();
        if (problem != null) {
            throw new ConfigException("Cannot use the run record " + file + ": " + problem + ". Name a run directory written by train or by the Spark job.");
        }
        return record;
    }

    /** The invalid setting behind a mapping error, else the error itself. */
    private static String causeOf(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) return c.getMessage();
        }
        return e instanceof NoSuchFileException || e instanceof FileNotFoundException ? "no such file" : e.getMessage();
    }
}
