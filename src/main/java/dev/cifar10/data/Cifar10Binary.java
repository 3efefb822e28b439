package dev.cifar10.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        if (!Files.isDirectory(dir)) {
            throw new DataException("Data directory " + dir + " does not exist. Pass --data with a directory holding "
                    + "data_batch_*.bin and test_batch.bin, --data synthetic, or --data download.");
        }
        if (Files.isDirectory(dir.resolve(ARCHIVE_DIR))) dir = dir.resolve(ARCHIVE_DIR);
        List<Path> trainFiles = trainFiles(dir);
        if (trainFiles.isEmpty()) {
            throw new DataException("No training files (data_batch_1.bin ...) in " + dir
                    + ". Point --data at the unpacked cifar-10-batches-bin directory of cifar-10-binary.tar.gz.");
        }
        Path testFile = dir.resolve(TEST_FILE);
        if (!Files.isRegularFile(testFile)) {
            throw new DataException("Test file " + testFile + " is missing. The directory must hold test_batch.bin next to "
                    + "the data_batch_*.bin files; re-extract cifar-10-binary.tar.gz or use --data download.");
        }
        LabeledImages train = null;
        for (Path f : trainFiles) {
            int remaining = maxTrain == 0 ? 0 : maxTrain - (train == null ? 0 : train.size());
            if (maxTrain != 0 && remaining <= 0) break;
            LabeledImages part = read(f, remaining);
            train = train == null ? part : LabeledImages.concat(train, part);
        }
        LabeledImages test = read(testFile, maxTest);
        return new Cifar10(train, test, dir.toAbsolutePath().normalize().toString());
    }

    static List<Path> trainFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = new ArrayList<>(files.filter(p -> trainBatchNumber(p.getFileName().toString()) >= 0).toList());
            found.sort((a, b) -> Integer.compare(trainBatchNumber(a.getFileName().toString()), trainBatchNumber(b.getFileName().toString())));
            return found;
        } catch (IOException e) {
            throw new DataException("Cannot list data directory " + dir + ": " + e.getMessage(), e);
        }
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
        if (bytes == 0 || bytes % RECORD_BYTES != 0) {
            throw new DataException(String.format("%s is %,d bytes, not a whole number of %,d-byte CIFAR-10 records "
                    + "(%,d records and %,d bytes over). The file is truncated or not CIFAR-10 binary; "
                    + "re-download it (delete it and run with --data download).", file, bytes, RECORD_BYTES,
                    bytes / RECORD_BYTES, bytes % RECORD_BYTES));
        }
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
                int label = record[0] & 0xFF;
                if (label >= Cifar10.CLASSES) {
                    throw new DataException(String.format("%s: record %d (byte offset %,d) has label %d; CIFAR-10 labels are 0-9. "
                            + "The file is corrupt or from another dataset (CIFAR-100 binaries have two label bytes).",
                            file, i, (long) i * RECORD_BYTES, label));
                }
                labels[i] = (byte) label;
                System.arraycopy(record, 1, pixels, i * LabeledImages.IMAGE_BYTES, LabeledImages.IMAGE_BYTES);
            }
        } catch (IOException e) {
            throw new DataException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        return new LabeledImages(pixels, labels);
    }
}
