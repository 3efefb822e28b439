package dev.cifar10.train;

import dev.cifar10.backend.PhysicalMemoryGuard;
import dev.cifar10.data.CifarBatches;
import dev.cifar10.run.EvaluationResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Inference-mode loss and accuracy over a whole set, as Keras's {@code evaluate}. */
public final class Evaluator {
    /** Keras clips probabilities to [eps, 1 - eps] before the log in its cross-entropy. */
    static final double KERAS_EPSILON = 1e-7;

    private Evaluator() {
    }

    public static EvaluationResult evaluate(MultiLayerNetwork net, CifarBatches batches) {
        Evaluation evaluation = new Evaluation(batches.getLabels(), 1);
        double lossSum = 0;
        long n = 0;
        batches.startEpoch(0);
        while (batches.hasNext()) {
            StopSignals.check();
            PhysicalMemoryGuard.check();
            DataSet ds = batches.next();
            INDArray probabilities = net.output(ds.getFeatures(), false).castTo(DataType.FLOAT);
            if (!Double.isFinite(probabilities.sumNumber().doubleValue())) {
                // diverged weights (the last step's own loss can still be finite); DL4J's Evaluation would fail with a stack trace
                throw new NonFiniteLossException("network's output", Double.NaN);
            }
            INDArray labels = ds.getLabels().castTo(DataType.FLOAT);
            INDArray clipped = Transforms.min(Transforms.max(probabilities, KERAS_EPSILON, true), 1 - KERAS_EPSILON, false);
            lossSum -= Transforms.log(clipped, false).muli(labels).sumNumber().doubleValue();
            n += ds.numExamples();
            evaluation.eval(labels, probabilities);
        }
        return new EvaluationResult(lossSum / n, evaluation.accuracy(), evaluation);
    }
}
