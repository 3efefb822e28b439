package dev.cifar10;

import dev.cifar10.data.Cifar10;
import dev.cifar10.data.LabeledImages;
import dev.cifar10.data.SyntheticCifar10;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;

/**
 * The CIFAR-10 records the tests read: a directory of real records in CIFAR-10's binary layout
 * ({@code data_batch_1.bin}, {@code data_batch_2.bin}, {@code test_batch.bin} of any whole number of
 * records, and {@code batches.meta.txt}), named by {@code -Dcifar10.sample=DIR} (pom.xml sets the default), where it is present; otherwise records in
 * the same layout, with the same file names and record counts, generated from {@link SyntheticCifar10}
 * (a learnable class signal) into {@code target/}, so a fresh clone passes its tests alone.
 *
 * <p>{@code -Dcifar10.sample=synthetic} uses the generated records
 * even where real ones are present: CI runs the suite that way too.
 */
public final class SampleData {
    /** Where the real records are looked for: -Dcifar10.sample, relative to the project directory. */
    public static final Path REAL_DIR = Path.of(choice().isEmpty() || choice().equalsIgnoreCase("synthetic") ? "cifar10-sample-not-given" : choice());
    /** Where the generated records go when the real sample is absent or ignored. */
    public static final Path GENERATED_DIR = Path.of("target", "generated-cifar10-sample");

    static final String[] TRAIN_FILES = {"data_batch_1.bin", "data_batch_2.bin"};
    static final int TRAIN_RECORDS_PER_FILE = 1017, TEST_RECORDS = 500;
    static final long GENERATOR_SEED = 20_261_128L;

    /** True when the tests read the real CIFAR-10 sample, false when they read generated records. */
    public static final boolean REAL = !ignoreReal() && isComplete(REAL_DIR);
    /** The directory of the records: {@code data_batch_1.bin}, {@code data_batch_2.bin}, {@code test_batch.bin}, {@code batches.meta.txt}. */
    public static final Path DIR = REAL ? REAL_DIR : generate(GENERATED_DIR);

    private SampleData() {
    }

    public static Path file(String name) {
        return DIR.resolve(name);
    }

    /** A copy of the sample directory in {@code target}, for tests that damage files. */
    public static Path copyTo(Path target) throws IOException {
        Files.createDirectories(target);
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"}) {
            Files.copy(file(f), target.resolve(f));
        }
        return target;
    }

    /**
     * Skips the rest of a test, with its reason in the report, when the records are generated: for
     * facts only the real images have (known labels, checksums, accuracy only real images reach).
     */
    public static void assumeReal(String fact) {
        Assumptions.assumeTrue(REAL, () -> (ignoreReal() ? "needs the real CIFAR-10 sample (this run has -Dcifar10.sample=synthetic)"
                : "needs the real CIFAR-10 sample, absent from " + REAL_DIR.toAbsolutePath().normalize() + " (-Dcifar10.sample=DIR)") + ": " + fact);
    }

    private static String choice() {
        return System.getProperty("cifar10.sample", "").strip();
    }

    private static boolean ignoreReal() {
        return choice().toLowerCase(Locale.ROOT).equals("synthetic");
    }

    private static boolean isComplete(Path dir) {
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "test_batch.bin", "batches.meta.txt"}) {
            if (!Files.isRegularFile(dir.resolve(f))) return false;
        }
        return true;
    }

    /**
     * Writes the records once per JVM. Each file goes to a temporary name and is renamed into place,
     * and only when its bytes differ, so concurrent test JVMs never read half a file.
     */
    private static Path generate(Path dir) {
        Cifar10 data = SyntheticCifar10.generate(TRAIN_FILES.length * TRAIN_RECORDS_PER_FILE, TEST_RECORDS, GENERATOR_SEED);
        try {
            Files.createDirectories(dir);
            for (int f = 0; f < TRAIN_FILES.length; f++) {
                write(dir.resolve(TRAIN_FILES[f]), records(data.train(), f * TRAIN_RECORDS_PER_FILE, TRAIN_RECORDS_PER_FILE));
            }
            write(dir.resolve("test_batch.bin"), records(data.test(), 0, TEST_RECORDS));
            write(dir.resolve("batches.meta.txt"), (String.join("\n", Cifar10.CLASS_NAMES) + "\n\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the generated CIFAR-10 sample into " + dir.toAbsolutePath(), e);
        }
        return dir;
    }

    /** The official binary layout: per record one label byte, then 3,072 pixel bytes (red, green, blue planes). */
    static byte[] records(LabeledImages images, int from, int count) {
        int recordBytes = 1 + LabeledImages.IMAGE_BYTES;
        byte[] out = new byte[count * recordBytes];
        for (int i = 0; i < count; i++) {
            out[i * recordBytes] = (byte) images.label(from + i);
            System.arraycopy(images.pixels(), (from + i) * LabeledImages.IMAGE_BYTES, out, i * recordBytes + 1, LabeledImages.IMAGE_BYTES);
        }
        return out;
    }

    private static void write(Path file, byte[] content) throws IOException {
        if (Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), content)) return;
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
