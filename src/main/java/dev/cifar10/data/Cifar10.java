package dev.cifar10.data;

import java.util.List;

/** A CIFAR-10 dataset: the training records (before the validation split), the test records, and where they came from. */
public record Cifar10(LabeledImages train, LabeledImages test, String source) {
    public static final List<String> CLASS_NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
    public static final int CLASSES = CLASS_NAMES.size();
}
