package dev.cifar10.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A CIFAR-10 dataset: the training records (before the validation split), the test records, and where they came from. */
public record Cifar10(LabeledImages train, LabeledImages test, String source) {
    public static final List<String> CLASS_NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
    public static final int CLASSES = CLASS_NAMES.size();

    /** SHA-256 of every label and pixel, training records then test records: what resume checks the data against. */
    public String recordsSha256() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (LabeledImages images : List.of(train, test)) {
                digest.update(images.labels());
                digest.update(images.pixels());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
