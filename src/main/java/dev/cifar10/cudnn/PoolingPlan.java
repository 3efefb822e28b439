package dev.cifar10.cudnn;

import dev.cifar10.cudnn.CudnnApi.PoolingDescriptor;
import dev.cifar10.cudnn.CudnnApi.TensorDescriptor;

/** One max-pooling layer at one shape: its cuDNN descriptors, built once. */
final class PoolingPlan implements PlanCache.Plan {

    record Shape(TensorSpec x, PoolingSpec pooling, TensorSpec y) {
    }

    final Shape shape;
    final TensorDescriptor x, y;
    final PoolingDescriptor pooling;

    PoolingPlan(CudnnApi api, Shape shape) {
        this.shape = shape;
        TensorDescriptor xd = api.createTensor(shape.x()), yd = null;
        try {
            yd = api.createTensor(shape.y());
            this.pooling = api.createPooling(shape.pooling());
        } catch (RuntimeException e) {
            xd.destroy();
            if (yd != null) yd.destroy();
            throw e;
        }
        this.x = xd;
        this.y = yd;
    }

    @Override
    public void destroy() {
        x.destroy();
        y.destroy();
        pooling.destroy();
    }
}
