package dev.cifar10.cudnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A layer's plans by shape, the least recently used dropped (and its descriptors destroyed) beyond
 * {@value #CAPACITY}: this network meets three shapes, a workload whose batch size varies would otherwise keep
 * descriptors for every size.
 */
final class PlanCache<K, P extends PlanCache.Plan> {
    static final int CAPACITY = 8;

    interface Plan {
        void destroy();
    }

    private final Map<K, P> plans = new LinkedHashMap<>(16, 0.75f, true);

    synchronized P get(K shape, Function<K, P> create) {
        P plan = plans.get(shape);
        if (plan != null) return plan;
        plan = create.apply(shape);
        plans.put(shape, plan);
        if (plans.size() > CAPACITY) {
            var eldest = plans.entrySet().iterator().next();
            plans.remove(eldest.getKey());
            eldest.getValue().destroy();
        }
        return plan;
    }

    synchronized List<P> plans() {
        return new ArrayList<>(plans.values());
    }

    synchronized int size() {
        return plans.size();
    }

    /** Destroys every plan's descriptors (the layer is gone). */
    synchronized void destroyAll() {
        plans.values().forEach(Plan::destroy);
        plans.clear();
    }
}
