package dev.cifar10.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads CIFAR-10's official binary format: records of 1 label byte (0-9) and 3,072 pixel bytes.
 * A directory holds {@code data_batch_1.bin} ... {@code data_batch_5.bin} and {@code test_batch.bin}
 * (the layout of {@code cifar-10-batches-bin/}); any whole number of records per file is accepted.
 */
public final class Cifar10Binary {
    public static final int RECORD_BYTES = 1 + LabeledImages.IMAGE_BYTES;
    public static final String TEST_FILE = "test_batch.bin";
    public static final String ARCHIVE_DIR = "cifar-10-batches-bin";
    private static final Pattern TRAIN_FILE = Pattern.compile("data_batch_(\\d+)\\.bin");

    private Cifar10Binary() {
    }

    /**
     * Reads a directory in the binary layout (or its parent holding {@code cifar-10-batches-bin/}).
     * @param maxTrain at most this many training records (0 = all), read in file order
     * @param maxTest  at most this many test records (0 = all)
     */
    public static Cifar10 readDirectory(Path dir, int maxTrain, int maxTest) {
        Layout layout = layout(dir.toString(), LOCAL_FILES);
        LabeledImages train = null;
        for (String f : layout.trainFiles()) {
            int remaining = maxTrain == 0 ? 0 : maxTrain - (train == null ? 0 : train.size());
            if (maxTrain != 0 && remaining <= 0) break;
            LabeledImages part = read(Path.of(f), remaining);
            train = train == null ? part : LabeledImages.concat(train, part);
        }
        LabeledImages test = read(Path.of(layout.testFile()), maxTest);
        return new Cifar10(train, test, Path.of(layout.dir()).toAbsolutePath().normalize().toString());
    }

    /** The few questions the layout check asks of a file system: the local one here, Hadoop's in the Spark job. */
    public interface FileSystemView {
        boolean isDirectory(String path);

        boolean isFile(String path);

        /** The file names (not paths) in {@code dir}. */
        List<String> names(String dir);

        long size(String path);
    }

    private static final FileSystemView LOCAL_FILES = new FileSystemView() {
        @Override
        public boolean isDirectory(String path) {
            return Files.isDirectory(Path.of(path));
        }

        @Override
        public boolean isFile(String path) {
            return Files.isRegularFile(Path.of(path));
        }

        @Override
        public List<String> names(String dir) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                return files.map(p -> p.getFileName().toString()).toList();
            } catch (IOException e) {
                throw new DataException("Cannot list data directory " + dir + ": " + e.getMessage(), e);
            }
        }

        @Override
        public long size(String path) {
            try {
                return Files.size(Path.of(path));
            } catch (IOException e) {
                throw new DataException("Cannot read " + path + ": " + e.getMessage(), e);
            }
        }
    };

    /**
     * The record files of a directory in CIFAR-10's binary layout, checked before any is read.
     * @param trainFiles the {@code data_batch_N.bin} paths in N order
     */
    public record Layout(String dir, List<String> trainFiles, String testFile) {
    }

    /**
     * Finds and checks the record files under {@code dir} (or under its {@code cifar-10-batches-bin/}): the
     * directory exists, it holds training files and the test file, and each is a whole number of records.
     * The one check for both readers, local and Spark.
     */
    public static Layout layout(String dir, FileSystemView fs) {
        if (!fs.isDirectory(dir)) {
            throw new DataException("Data directory " + dir + " does not exist. Pass --data with a directory holding "
                    + "data_batch_*.bin and test_batch.bin, --data synthetic, or --data download.");
        }
        if (fs.isDirectory(join(dir, ARCHIVE_DIR))) dir = join(dir, ARCHIVE_DIR);
        List<String> trainNames = new ArrayList<>(fs.names(dir).stream().filter(n -> trainBatchNumber(n) >= 0).toList());
        if (trainNames.isEmpty()) {
            throw new DataException("No training files (data_batch_1.bin ...) in " + dir
                    + ". Point --data at the unpacked cifar-10-batches-bin directory of cifar-10-binary.tar.gz.");
        }
        trainNames.sort(Comparator.comparingInt(Cifar10Binary::trainBatchNumber));
        String testFile = join(dir, TEST_FILE);
        if (!fs.isFile(testFile)) {
            throw new DataException("Test file " + testFile + " is missing. The directory must hold test_batch.bin next to "
                    + "the data_batch_*.bin files; re-extract cifar-10-binary.tar.gz or use --data download.");
        }
        List<String> trainFiles = new ArrayList<>();
        for (String name : trainNames) trainFiles.add(join(dir, name));
        for (String file : trainFiles) requireWholeRecords(file, fs.size(file));
        requireWholeRecords(testFile, fs.size(testFile));
        return new Layout(dir, List.copyOf(trainFiles), testFile);
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** A record file must hold a whole, non-zero number of records. */
    public static void requireWholeRecords(Object file, long bytes) {
        if (bytes == 0 || bytes % RECORD_BYTES != 0) {
            throw new DataException(String.format("%s is %,d bytes, not a whole number of %,d-byte CIFAR-10 records "
                    + "(%,d records and %,d bytes over). The file is truncated or not CIFAR-10 binary; "
                    + "re-download it (delete it and run with --data download).", file, bytes, RECORD_BYTES,
                    bytes / RECORD_BYTES, bytes % RECORD_BYTES));
        }
    }

    /** The label byte of record {@code index} of {@code file}, checked to be a CIFAR-10 class. */
    public static int requireLabel(Object file, long index, byte labelByte) {
        int label = labelByte & 0xFF;
        if (label >= Cifar10.CLASSES) {
            throw new DataException(String.format("%s: record %d (byte offset %,d) has label %d; CIFAR-10 labels are 0-9. "
                    + "The file is corrupt or from another dataset (CIFAR-100 binaries have two label bytes).",
                    file, index, index * RECORD_BYTES, label));
        }
        return label;
    }

    /** N for {@code data_batch_N.bin}, or -1 for any other file name. */
    public static int trainBatchNumber(String fileName) {
        Matcher m = TRAIN_FILE.matcher(fileName);
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Reads one record file; {@code maxRecords} 0 reads all. */
    public static LabeledImages read(Path file, int maxRecords) {
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new DataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        requireWholeRecords(file, bytes);
        long records = bytes / RECORD_BYTES;
        int n = (int) (maxRecords > 0 ? Math.min(records, maxRecords) : records);
        byte[] pixels = new byte[n * LabeledImages.IMAGE_BYTES];
        byte[] labels = new byte[n];
        byte[] record = new byte[RECORD_BYTES];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            for (int i = 0; i < n; i++) {
                if (in.readNBytes(record, 0, RECORD_BYTES) != RECORD_BYTES) {
                    throw new DataException(file + " ended early at record " + i + ". Re-download it.");
                }
                int label = requireLabel(file, i, record[0]);
                labels[i] = (byte) label;
                System.arraycopy(record, 1, pixels, i * LabeledImages.IMAGE_BYTES, LabeledImages.IMAGE_BYTES);
            }
        } catch (IOException e) {
            throw new DataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return new LabeledImages(pixels, labels);
    }
}
