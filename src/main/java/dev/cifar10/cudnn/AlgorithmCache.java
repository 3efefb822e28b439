package dev.cifar10.cudnn;

import dev.cifar10.cudnn.CudnnApi.AlgorithmPerf;
import dev.cifar10.cudnn.CudnnApi.ConvolutionDescriptor;
import dev.cifar10.cudnn.CudnnApi.FilterDescriptor;
import dev.cifar10.cudnn.CudnnApi.TensorDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The algorithms each {@link AlgorithmKey} can run with, best first, found once per key and kept for the process:
 * a second training step of the same shapes asks cuDNN nothing, a new batch size is one more search.
 *
 * <p>The rule, per key: an algorithm the layer configuration names is taken as it is (cuDNN refuses it if it
 * cannot run these shapes). Otherwise cuDNN times every algorithm ({@link AlgorithmRule#SEARCH}) and the usable
 * ones are kept fastest first: succeeded, within the workspace limit, and without workspace for NO_WORKSPACE. If
 * the search fails or leaves nothing, cuDNN's heuristics are asked instead, with the same filter. The list rather
 * than one algorithm is kept so that a plan whose workspace cannot be allocated takes the next one (as PyTorch does).
 */
public final class AlgorithmCache {
    private static final Logger log = LoggerFactory.getLogger(AlgorithmCache.class);

    private final Map<AlgorithmKey, List<AlgorithmChoice>> entries = new ConcurrentHashMap<>();
    private final AtomicInteger searches = new AtomicInteger(), heuristicQueries = new AtomicInteger();

    /** The usable algorithms for {@code key}, best first, asking cuDNN only the first time the key is seen. Never empty. */
    public List<AlgorithmChoice> candidates(AlgorithmKey key, CudnnApi api, TensorDescriptor x, FilterDescriptor w,
                                            ConvolutionDescriptor convolution, TensorDescriptor y) {
        List<AlgorithmChoice> known = entries.get(key);
        if (known != null) return known;
        List<AlgorithmChoice> found = choose(key, api, x, w, convolution, y);
        List<AlgorithmChoice> previous = entries.putIfAbsent(key, found);
        if (previous != null) return previous;
        log.debug("cuDNN {}: {}", key, found.get(0));
        return found;
    }

    private List<AlgorithmChoice> choose(AlgorithmKey key, CudnnApi api, TensorDescriptor x, FilterDescriptor w,
                                         ConvolutionDescriptor convolution, TensorDescriptor y) {
        ConvolutionPass pass = key.pass();
        AlgorithmSelection selection = key.selection();
        if (selection.mode() == AlgorithmSelection.Mode.CONFIGURED) {
            long bytes = api.workspaceSize(pass, x, w, convolution, y, selection.algorithm());
            return List.of(new AlgorithmChoice(pass, selection.algorithm(), CudnnApi.DEFAULT_MATH, bytes, -1, "layer configuration"));
        }
        List<AlgorithmChoice> usable = List.of();
        String searchProblem = null;
        if (selection.mode() != AlgorithmSelection.Mode.HEURISTICS) {
            searches.incrementAndGet();
            try {
                usable = usable(key, api.findAlgorithms(pass, x, w, convolution, y), api, x, w, convolution, y, "search");
                if (usable.isEmpty()) searchProblem = "no algorithm it timed fits";
            } catch (CudnnException e) {
                searchProblem = e.getMessage();
            }
        }
        if (usable.isEmpty()) {
            heuristicQueries.incrementAndGet();
            usable = usable(key, api.heuristicAlgorithms(pass, x, w, convolution, y), api, x, w, convolution, y, "heuristics");
            if (searchProblem != null) {
                log.warn("cuDNN's algorithm search for the {} found nothing usable ({}); {}", key, searchProblem,
                        usable.isEmpty() ? "its heuristics neither" : "using its heuristics: " + usable.get(0));
            }
        }
        if (usable.isEmpty()) {
            throw new CudnnException("No cuDNN " + pass + " algorithm can run " + key + (selection.mode() == AlgorithmSelection.Mode.NO_WORKSPACE
                    ? " without workspace" : " within the workspace limit of " + Workspaces.format(key.workspaceLimit())), null);
        }
        return usable;
    }

    private static List<AlgorithmChoice> usable(AlgorithmKey key, List<AlgorithmPerf> results, CudnnApi api, TensorDescriptor x,
                                                FilterDescriptor w, ConvolutionDescriptor convolution, TensorDescriptor y, String source) {
        boolean noWorkspace = key.selection().mode() == AlgorithmSelection.Mode.NO_WORKSPACE;
        List<AlgorithmChoice> usable = new ArrayList<>();
        for (AlgorithmPerf perf : results) {
            if (!perf.succeeded()) continue;
            if (usable.stream().anyMatch(c -> c.algorithm() == perf.algorithm() && c.mathType() == perf.mathType())) continue;
            long bytes;
            try {   // the size this algorithm needs with these descriptors, as the pass will ask for it
                bytes = api.workspaceSize(key.pass(), x, w, convolution, y, perf.algorithm());
            } catch (CudnnException e) {
                continue;
            }
            if (noWorkspace ? bytes > 0 : bytes > key.workspaceLimit()) continue;
            usable.add(new AlgorithmChoice(key.pass(), perf.algorithm(), perf.mathType(), bytes, perf.milliseconds(), source));
        }
        return List.copyOf(usable);
    }

    /** Algorithm searches run so far (one per new key unless the layer names its algorithm or the rule is heuristics). */
    public int searches() {
        return searches.get();
    }

    /** Times cuDNN's heuristics were asked (the rule, or a search that left nothing). */
    public int heuristicQueries() {
        return heuristicQueries.get();
    }

    /** Every key seen so far with its algorithms, best first. */
    public Map<AlgorithmKey, List<AlgorithmChoice>> entries() {
        return Map.copyOf(entries);
    }
}
