package dev.cifar10.model.tuned;

import dev.cifar10.backend.HostArrays;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.nio.FloatBuffer;

/**
 * DL4J's {@link Dropout} (inverted: kept activations are scaled by 1/p in training, so inference
 * needs nothing), with the mask drawn in Java on the CPU backend.
 *
 * <p>Why: DL4J's dropout fills the mask with ones, then runs libnd4j's {@code DropOutInverted}, which
 * calls a {@code std::function} per element; and it looks its cuDNN helper class up again on every
 * call. That was 5.5% of the training thread's time in async-profiler (2-vCPU AMD EPYC). Here one 64-bit SplitMix64 draw
 * gives two elements 24 of its bits each, compared as DL4J compares its uniform float: kept where
 * u &lt; p, with u = those 24 bits over 2^24 (a float's resolution). The mask is written in one bulk
 * copy and applied with the same multiply DL4J uses, forward and backward.
 *
 * <p>The draws are seeded from ND4J's random generator on each call, so a run with the same seed
 * drops the same activations; they are not DL4J's draws. On another backend (CUDA) this is DL4J's
 * {@link Dropout}, unchanged.
 *
 * <p>Relies on (DL4J M2.1): Dropout.applyDropout and backprop being called in pairs per layer and step (the mask is kept between them).
 */
@JsonIgnoreProperties({"mask", "hostMask", "helper", "helperCountFail", "initializedHelper"})
public class InvertedDropout extends Dropout {
    private static final float TWO_TO_24 = 1 << 24;
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;   // SplitMix64's increment

    private transient INDArray mask;
    private transient float[] hostMask;

    /** @param p the probability to keep an activation, as DL4J's {@link Dropout} */
    public InvertedDropout(double p) {
        super(p);
    }

    /** For DL4J's JSON reader. */
    protected InvertedDropout(@JsonProperty("p") double p, @JsonProperty("pSchedule") ISchedule pSchedule) {
        super(p, pSchedule);
    }

    @Override
    public INDArray applyDropout(INDArray inputActivations, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        if (!drawsOnHost(output) || getPSchedule() != null) {
            return super.applyDropout(inputActivations, output, iteration, epoch, workspaceMgr);
        }
        INDArray input = inputActivations.dataType() == output.dataType() ? inputActivations : inputActivations.castTo(output.dataType());
        mask = workspaceMgr.createUninitialized(ArrayType.INPUT, output.dataType(), output.shape(), output.ordering());
        fill(mask, getP(), Nd4j.getRandom().nextLong());
        Nd4j.getExecutioner().exec(new MulOp(input, mask, output));
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (mask == null) {
            return super.backprop(gradAtOutput, gradAtInput, iteration, epoch);
        }
        Nd4j.getExecutioner().exec(new MulOp(gradAtOutput, mask, gradAtInput));
        mask = null;
        return gradAtInput;
    }

    @Override
    public void clear() {
        mask = null;
        super.clear();
    }

    @Override
    public InvertedDropout clone() {
        return new InvertedDropout(getP(), getPSchedule() == null ? null : getPSchedule().clone());
    }

    /** Float on the CPU: then the mask (always allocated here, so one contiguous block) can be written through a plain buffer. */
    private static boolean drawsOnHost(INDArray output) {
        return HostArrays.onHost() && output.dataType() == DataType.FLOAT;
    }

    /** 1/p where kept, 0 where dropped, for every element of {@code mask} (a new, contiguous array). */
    void fill(INDArray mask, double p, long seed) {
        int n = (int) mask.length();
        if (hostMask == null || hostMask.length < n) hostMask = new float[n];
        float[] m = hostMask;
        int keepBelow = keepBelow(p);
        float kept = (float) (1.0 / p);
        int pairs = n / 2;
        for (int j = 0; j < pairs; j++) {   // branch-free: which elements drop is random, so a branch would be mispredicted
            long r = mix(seed + (j + 1) * GOLDEN_GAMMA);
            m[2 * j] = kept * (((int) (r >>> 40) - keepBelow) >>> 31);
            m[2 * j + 1] = kept * (((int) ((r >>> 8) & 0xFFFFFF) - keepBelow) >>> 31);
        }
        if (n % 2 == 1) m[n - 1] = kept * (((int) (mix(seed + (pairs + 1) * GOLDEN_GAMMA) >>> 40) - keepBelow) >>> 31);
        FloatBuffer target = mask.data().asNioFloat();
        target.put(m, 0, n);
    }

    /** A 24-bit draw k is kept when u = k / 2^24 &lt; p, that is when k &lt; ceil(p * 2^24). */
    static int keepBelow(double p) {
        return (int) Math.ceil(p * TWO_TO_24);
    }

    /** SplitMix64's output function (java.util.SplittableRandom's). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
