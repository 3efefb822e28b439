package dev.cifar10.model.tuned;

import dev.cifar10.backend.BackendException;
import dev.cifar10.backend.HostArrays;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * DL4J's updater (Adam here) for a {@link MultiLayerNetwork}, taking the path DL4J meant it to take.
 *
 * <p>DL4J's updater applies the update in place through views of the network's flattened gradient that it
 * builds once. It takes that path only when the gradient it is given is that flattened array itself; any
 * other array is an "external" gradient, for which it builds new views of the gradient and of the
 * parameters, per parameter, twice per step, and re-splits the gradient to divide it by the batch size.
 * In DL4J 1.0.0-M2.1 {@code DefaultGradient.gradient()} returns a new reshaped array on every call, so the
 * network's own gradient always looks external: in one async-profiler run on a 2-vCPU AMD EPYC, 39% of the updater block's samples went to
 * those views. Here the network's own gradient is handed on as the flattened array, so DL4J takes its
 * standard path: the same operations on the same memory, bit for bit the same update
 * ({@code StandardPathUpdaterTest}). A gradient that is not the network's own goes on unchanged.
 *
 * <p>Relies on (DL4J M2.1): {@code BaseMultiLayerUpdater.update} taking its in-place path only for the flattened
 * gradient view object, {@code getFlattenedGradientsView}, {@code divideByMinibatch}, and {@code MultiLayerNetwork}
 * handing its updater its own {@code gradient()} object.
 */
public final class StandardPathUpdater extends MultiLayerUpdater {

    /** @param state the updater's state (Adam's moments) to continue from; null for a new one */
    StandardPathUpdater(MultiLayerNetwork network, INDArray state) {
        super(network, state);
    }

    /** Gives {@code net} this updater, keeping the state of the one it has (after a restore: the saved moments). */
    public static void install(MultiLayerNetwork net) {
        Updater current = net.getUpdater(false);
        net.setUpdater(new StandardPathUpdater(net, current == null ? null : current.getStateViewArray()));
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
        super.update(forDl4j(gradient), iteration, epoch, batchSize, workspaceMgr);
    }

    /** The gradient as DL4J's updater should see it: the network's own as its flattened view object, any other unchanged. */
    Gradient forDl4j(Gradient gradient) {
        INDArray flat = getFlattenedGradientsView();
        boolean own = HostArrays.onHost() ? isNetworksOwn(gradient, flat) : isTheNetworksGradientObject(gradient, flat);
        if (!own && HostArrays.onHost() && flat != null && gradient == network.gradient()) {
            // the network's own gradient, yet not its flattened memory: DL4J changed, and this class would only cost speed quietly
            throw new BackendException("The network's own gradient is not a view of its flattened gradient memory: the DL4J internal "
                    + "the tuned updater relies on has changed.", "Train with --layers stock (DL4J's own layers and updater).");
        }
        return own ? new FlatView(gradient, flat) : gradient;
    }

    private volatile boolean gradientObjectChecked;

    /**
     * The device branch. On CUDA a view of the flattened gradient gets a native buffer handle of its own, which is what
     * {@code sameUnderlyingData} compares there, so buffers cannot tell. The network's own {@code Gradient} object can:
     * DL4J's fit hands the updater {@code network.gradient()}, whose flattened array is the network's gradient memory.
     * That is checked once, on the first update, by value: a gradient that is not that memory ends the run loudly,
     * naming the remedy, instead of training on a stale view.
     */
    boolean isTheNetworksGradientObject(Gradient gradient, INDArray flat) {
        if (flat == null || gradient != network.gradient()) return false;
        if (!gradientObjectChecked) {
            INDArray g = gradient.gradient();
            if (g == null || g.length() != flat.length() || !g.reshape(flat.shape()).equalsWithEps(flat, 0)) {
                throw new BackendException("The network's own gradient is not its flattened gradient view: the DL4J internal the tuned "
                        + "updater relies on has changed.", "Train with --layers stock (DL4J's own layers and updater).");
            }
            gradientObjectChecked = true;
        }
        return true;
    }

    /**
     * True when {@code gradient.gradient()} is the network's flattened gradient, reshaped: a view of the same
     * allocation (a reshape wraps it in another buffer object that shares its JavaCPP pointer object, a Java-level
     * comparison on any backend), from the same offset, with the same length, both contiguous.
     * A "no" for the network's own gradient object stops the run (see {@link #forDl4j}): it would cost speed without a word.
     */
    static boolean isNetworksOwn(Gradient gradient, INDArray flat) {
        INDArray g = gradient.gradient();
        if (g == flat) return true;
        return flat != null && g != null && g.dataType() == flat.dataType() && g.length() == flat.length()
                && g.offset() == flat.offset() && g.elementWiseStride() == 1 && flat.elementWiseStride() == 1
                && g.data().sameUnderlyingData(flat.data());
    }

    private volatile boolean lastUpdateExternal;

    /** DL4J calls this in every update with its own verdict on the gradient; kept so tests can see which path ran. */
    @Override
    protected void divideByMinibatch(boolean isExternal, Gradient gradient, int batchSize) {
        lastUpdateExternal = isExternal;
        super.divideByMinibatch(isExternal, gradient, batchSize);
    }

    /** Whether DL4J took its external-gradient path in the last update. */
    boolean lastUpdateWasExternal() {
        return lastUpdateExternal;
    }

    /** The same gradient, whose flattened array is the network's own view object. */
    private record FlatView(Gradient of, INDArray flat) implements Gradient {
        @Override public INDArray gradient() { return flat; }
        @Override public Map<String, INDArray> gradientForVariable() { return of.gradientForVariable(); }
        @Override public INDArray gradient(List<String> order) { return of.gradient(order); }
        @Override public void clear() { of.clear(); }
        @Override public INDArray getGradientFor(String variable) { return of.getGradientFor(variable); }
        @Override public INDArray setGradientFor(String variable, INDArray g) { return of.setGradientFor(variable, g); }
        @Override public INDArray setGradientFor(String variable, INDArray g, Character order) { return of.setGradientFor(variable, g, order); }
        @Override public Character flatteningOrderForVariable(String variable) { return of.flatteningOrderForVariable(variable); }
    }
}
