package dev.cifar10.backend.paths;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.Locale;

/**
 * One convolution path, checked in a process of its own: whether it ran, whether its forward and backward pass agree
 * with DL4J's built-in layers from the same weights and inputs, and how long a training step takes.
 *
 * @param outputDifference   ||path - built-in|| / ||built-in|| of the softmax outputs
 * @param gradientDifference the same for the gradients of all parameters
 * @param msPerStep          median of the timed training steps (batch 32)
 * @param attachedHelpers    the helper classes the layers carried
 * @param error              why it has no verdict (a crash, a timeout, a helper that declined), or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PathResult(String path, boolean agrees, double outputDifference, double gradientDifference, double msPerStep,
                         String attachedHelpers, String error) {

    /** Ran, and agrees with the built-in layers within the tolerance. */
    public boolean verified() {
        return error == null && agrees && msPerStep > 0;
    }

    public static PathResult failed(String path, String error) {
        return new PathResult(path, false, Double.NaN, Double.NaN, Double.NaN, null, error);
    }

    /** "cudnn: 6.1 ms/step, agrees (outputs 2.1e-06, gradients 3.4e-05)" or "cudnn: crashed (exit 134)". */
    public String describe() {
        if (error != null) return path + ": " + error;
        return String.format(Locale.ROOT, "%s: %.1f ms/step, %s (outputs %.1e, gradients %.1e)", path, msPerStep,
                agrees ? "agrees with the built-in layers" : "DISAGREES with the built-in layers", outputDifference, gradientDifference);
    }
}
