package dev.cifar10.data;

import dev.cifar10.SampleData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class Cifar10BinaryTest {
    @TempDir
    Path tmp;

    private static int[] firstLabels(LabeledImages images, int n) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = images.label(i);
        return labels;
    }

    @Test
    void readsTheSampleWithItsRecordCountsAndTheRealOneWithItsKnownFirstLabels() {
        LabeledImages batch1 = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
        assertEquals(1017, batch1.size());
        LabeledImages test = Cifar10Binary.read(SampleData.file("test_batch.bin"), 0);
        assertEquals(500, test.size());
        SampleData.assumeReal("the first labels of data_batch_1 and test_batch");
        assertArrayEquals(new int[]{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}, firstLabels(batch1, 10));
        assertArrayEquals(new int[]{3, 8, 8, 0, 6, 6, 1, 6, 3, 1}, firstLabels(test, 10));
    }

    @Test
    void pixelsAreTheBytesAfterEachLabel() throws IOException {
        byte[] raw = Files.readAllBytes(SampleData.file("data_batch_1.bin"));
        LabeledImages images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 2);
        assertArrayEquals(Arrays.copyOfRange(raw, 1, 3073), Arrays.copyOfRange(images.pixels(), 0, 3072));
        assertArrayEquals(Arrays.copyOfRange(raw, 3074, 6146), Arrays.copyOfRange(images.pixels(), 3072, 6144));
    }

    @Test
    void readsADirectoryWithAnyNumberOfTrainingFilesAndLimits() {
        Cifar10 all = Cifar10Binary.readDirectory(SampleData.DIR, 0, 0);
        assertEquals(2034, all.train().size());
        assertEquals(500, all.test().size());
        assertEquals(Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 1).label(0), all.train().label(0)); // batch 1 comes first
        assertEquals(Cifar10Binary.read(SampleData.file("data_batch_2.bin"), 1).label(0), all.train().label(1017));
        Cifar10 limited = Cifar10Binary.readDirectory(SampleData.DIR, 1500, 100);
        assertEquals(1500, limited.train().size());
        assertEquals(100, limited.test().size());
    }

    @Test
    void rejectsAFileThatIsNotAWholeNumberOfRecords() throws IOException {
        Path dir = SampleData.copyTo(tmp.resolve("cut"));
        Path f = dir.resolve("data_batch_2.bin");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 100));
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.readDirectory(dir, 0, 0));
        assertTrue(e.getMessage().contains("data_batch_2.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("not a whole number of 3,073-byte"), e.getMessage());
    }

    @Test
    void rejectsALabelAboveNine() throws IOException {
        Path dir = SampleData.copyTo(tmp.resolve("label"));
        Path f = dir.resolve("test_batch.bin");
        byte[] bytes = Files.readAllBytes(f);
        bytes[3073 * 7] = 12; // label byte of record 7
        Files.write(f, bytes);
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.readDirectory(dir, 0, 0));
        assertTrue(e.getMessage().contains("record 7") && e.getMessage().contains("label 12"), e.getMessage());
    }

    @Test
    void rejectsAMissingTestFile() throws IOException {
        Path dir = SampleData.copyTo(tmp.resolve("notest"));
        Files.delete(dir.resolve("test_batch.bin"));
        DataException e = assertThrows(DataException.class, () -> Cifar10Binary.readDirectory(dir, 0, 0));
        assertTrue(e.getMessage().contains("test_batch.bin") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void rejectsADirectoryWithoutTrainingFilesAndAMissingDirectory() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.write(empty.resolve("test_batch.bin"), new byte[3073], StandardOpenOption.CREATE);
        assertTrue(assertThrows(DataException.class, () -> Cifar10Binary.readDirectory(empty, 0, 0))
                .getMessage().contains("No training files"));
        assertTrue(assertThrows(DataException.class, () -> Cifar10Binary.readDirectory(tmp.resolve("nope"), 0, 0))
                .getMessage().contains("does not exist"));
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        Path f = Files.write(tmp.resolve("data_batch_1.bin"), new byte[0]);
        assertThrows(DataException.class, () -> Cifar10Binary.read(f, 0));
    }
}
