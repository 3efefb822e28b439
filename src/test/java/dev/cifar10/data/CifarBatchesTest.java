package dev.cifar10.data;

import dev.cifar10.SampleData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CifarBatchesTest {
    private final LabeledImages images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
    private final Standardisation s = Standardisation.fit(images);

    private List<Integer> labelsOfEpoch(CifarBatches batches, int epoch, List<Integer> sizes) {
        batches.startEpoch(epoch);
        List<Integer> labels = new ArrayList<>();
        while (batches.hasNext()) {
            DataSet ds = batches.next();
            sizes.add(ds.numExamples());
            assertArrayEquals(new long[]{ds.numExamples(), 3, 32, 32}, ds.getFeatures().shape());
            for (int i = 0; i < ds.numExamples(); i++) labels.add(ds.getLabels().getRow(i).argMax().getInt(0));
        }
        return labels;
    }

    @Test
    void keepsTheLastPartialBatchAndShufflesEachEpochReproducibly() {
        TrainValidationSplit split = TrainValidationSplit.of(images.size(), 0.3, 777);
        CifarBatches batches = new CifarBatches(images, split.train(), s, 32, true, 777, DataType.FLOAT);
        assertEquals(23, batches.batchesPerEpoch()); // 711 images (1,017 - ceil(0.3 * 1,017)): 22 full batches and one of 7
        List<Integer> sizes = new ArrayList<>();
        List<Integer> epoch0 = labelsOfEpoch(batches, 0, sizes);
        assertEquals(23, sizes.size());
        assertEquals(7, sizes.get(22));
        assertEquals(711, epoch0.size());
        List<Integer> epoch1 = labelsOfEpoch(batches, 1, new ArrayList<>());
        assertNotEquals(epoch0, epoch1);
        assertEquals(epoch0, labelsOfEpoch(batches, 0, new ArrayList<>()));
        List<Integer> sorted0 = new ArrayList<>(epoch0), sorted1 = new ArrayList<>(epoch1);
        sorted0.sort(null);
        sorted1.sort(null);
        assertEquals(sorted0, sorted1); // same images, different order
    }

    @Test
    void notebookStepsPerEpoch() {
        int[] train = new int[35_000];
        assertEquals(1094, new CifarBatches(images, train, s, 32, true, 1, DataType.FLOAT).batchesPerEpoch());
    }
}
