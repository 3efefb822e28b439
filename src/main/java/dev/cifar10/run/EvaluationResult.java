package dev.cifar10.run;

import org.nd4j.evaluation.classification.Evaluation;

/** Inference-mode loss and accuracy over a whole set (validation or test), with DL4J's per-class counts. */
public record EvaluationResult(double loss, double accuracy, Evaluation evaluation) {
}
