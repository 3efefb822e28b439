package dev.cifar10.data;

import dev.cifar10.SampleData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class StandardisationTest {

    @Test
    void perChannelMeanAndPopulationStdOverAllPixels() {
        LabeledImages images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
        Standardisation s = Standardisation.fit(images);
        for (int c = 0; c < 3; c++) {
            double sum = 0, sumSq = 0;
            long n = 0;
            for (int i = 0; i < images.size(); i++) {
                for (int k = 0; k < 1024; k++) {
                    double v = images.pixels()[i * 3072 + c * 1024 + k] & 0xFF;
                    sum += v;
                    n++;
                }
            }
            double mean = sum / n;
            for (int i = 0; i < images.size(); i++) {
                for (int k = 0; k < 1024; k++) {
                    double d = (images.pixels()[i * 3072 + c * 1024 + k] & 0xFF) - mean;
                    sumSq += d * d;
                }
            }
            assertEquals(mean, s.mean()[c], 1e-9);
            assertEquals(Math.sqrt(sumSq / n), s.std()[c], 1e-9); // ddof=0, numpy's default
        }
        SampleData.assumeReal("CIFAR-10's familiar channel statistics");
        // CIFAR-10's familiar statistics, roughly: red is the brightest channel, blue the darkest
        assertTrue(s.mean()[0] > s.mean()[2] && s.mean()[0] > 100 && s.mean()[0] < 140);
    }

    @Test
    void standardisedBatchesHaveZeroMeanAndUnitStd() {
        LabeledImages images = Cifar10Binary.read(SampleData.file("data_batch_1.bin"), 0);
        Standardisation s = Standardisation.fit(images);
        float[] out = new float[images.size() * 3072];
        for (int i = 0; i < images.size(); i++) s.apply(images, i, out, i * 3072);
        double sum = 0, sumSq = 0;
        for (int i = 0; i < images.size(); i++) {
            for (int k = 0; k < 1024; k++) {
                double v = out[i * 3072 + k]; // red channel
                sum += v;
                sumSq += v * v;
            }
        }
        long n = images.size() * 1024L;
        assertEquals(0, sum / n, 1e-4);
        assertEquals(1, Math.sqrt(sumSq / n), 1e-4);
    }
}
