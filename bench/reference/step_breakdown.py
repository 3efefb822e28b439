#!/usr/bin/env python3
"""Where a PyTorch training step's time goes, on the CPU, in the same shape as `cifar10-dl4j bench --breakdown`:
data (gather + standardise a batch), forward (training mode, with the loss), backward, updater (Adam), and every
layer on its own, forward and backward, summed per DL4J layer type (a convolution with its ReLU, pooling, dropout,
the dense layer with its ReLU, the output layer with softmax and loss). Medians over the steps, ms per step.

    /usr/bin/python3 bench/reference/step_breakdown.py --batch-size 8 --threads 2 --steps 30
"""
import argparse
import statistics
import sys
import time

import numpy as np

import pytorch_cifar10 as ref
torch, nn = ref.torch, ref.nn


def layer_groups(net):
    """The Sequential cut where DL4J's layers are: [(type, modules)], a ReLU joining the layer before it."""
    groups, modules = [], list(net)
    for i, m in enumerate(modules):
        if isinstance(m, nn.ReLU):
            groups[-1][1].append(m)
        elif isinstance(m, nn.Conv2d):
            groups.append(["ConvolutionLayer (+ReLU)", [m]])
        elif isinstance(m, nn.MaxPool2d):
            groups.append(["SubsamplingLayer", [m]])
        elif isinstance(m, nn.Dropout):
            groups.append(["DropoutLayer", [m]])
        elif isinstance(m, nn.Flatten):
            groups.append(["Flatten (DL4J: a preprocessor, not timed there)", [m]])
        elif isinstance(m, nn.Linear):
            last = i == len(modules) - 1
            groups.append(["OutputLayer (dense + softmax + loss)" if last else "DenseLayer (+ReLU)", [m]])
    return [(t, nn.Sequential(*ms)) for t, ms in groups]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=0, help="0 = DL4J's default (OMP_NUM_THREADS, else every CPU)")
    p.add_argument("--steps", type=int, default=30, help="timed steps")
    p.add_argument("--warmup-steps", type=int, default=1000, help="untimed training steps first (DL4J's bench default count; plain steps here, no validation passes between them)")
    p.add_argument("--max-train-images", type=int, default=4572)
    a = p.parse_args()
    if a.batch_size < 1 or a.steps < 1 or a.threads < 0 or a.warmup_steps < 0:
        p.error("--batch-size and --steps must be 1 or more, --threads and --warmup-steps 0 or more")
    torch.set_num_threads(a.threads or ref.default_threads())
    torch.manual_seed(777)
    images, labels, _ = ref.load("synthetic", a.max_train_images)
    mean_t = torch.tensor(images.mean(axis=(0, 2, 3)), dtype=torch.float32).view(1, 3, 1, 1)
    inv_std_t = torch.tensor(1 / images.std(axis=(0, 2, 3)), dtype=torch.float32).view(1, 3, 1, 1)
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    net = ref.notebook_cnn()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    groups = layer_groups(net)
    counts = {}
    for t, _ in groups:
        counts[t] = counts.get(t, 0) + 1
    rng = np.random.default_rng(1)
    net.train()

    def one_step(ms):
        t0 = time.perf_counter()
        idx = torch.from_numpy(rng.choice(len(images), a.batch_size))
        x, y = (images_t[idx].float() - mean_t) * inv_std_t, labels_t[idx]
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        for k, v in (("data (next batch)", t1 - t0), ("forward", t2 - t1), ("backward", t3 - t2),
                     ("updater (Adam) and zero_grad", t4 - t3), ("whole step: data + training", t4 - t0)):
            ms.setdefault(k, []).append(1000 * v)
        per_type = {}
        h = x
        for t, g in groups:  # each layer alone on the activations this batch gives it
            h_in = h.detach().requires_grad_(True)
            s0 = time.perf_counter()
            out = g(h_in)
            if t.startswith("OutputLayer"):
                out = loss_fn(out, y)
            s1 = time.perf_counter()
            if t.startswith("OutputLayer"):
                out.backward()
            else:
                out.backward(torch.full_like(out, 1e-3))
            s2 = time.perf_counter()
            f, b = per_type.get(t, (0, 0))
            per_type[t] = (f + s1 - s0, b + s2 - s1)
            h = out.detach()
        for t, (f, b) in per_type.items():
            ms.setdefault(f"layer {t} x{counts[t]} forward", []).append(1000 * f)
            ms.setdefault(f"layer {t} x{counts[t]} backward", []).append(1000 * b)
        net.zero_grad(set_to_none=True)

    for _ in range(a.warmup_steps):  # plain training steps, as DL4J's bench warms up
        idx = torch.from_numpy(rng.choice(len(images), a.batch_size))
        opt.zero_grad(set_to_none=True)
        loss_fn(net((images_t[idx].float() - mean_t) * inv_std_t), labels_t[idx]).backward()
        opt.step()
    warm = {}
    for _ in range(min(a.steps, 5)):  # then the per-layer path, as DL4J's breakdown does
        one_step(warm)
    ms = {}
    for _ in range(a.steps):
        one_step(ms)
    print(f"Step breakdown: PyTorch {torch.__version__}, batch {a.batch_size}, {torch.get_num_threads()} threads, "
          f"median of {a.steps} steps, ms per step")
    order = [k for k in ms if not k.startswith("layer")] + sorted((k for k in ms if k.endswith("forward") and k.startswith("layer")),
                                                                   key=list(ms).index) \
        + sorted((k for k in ms if k.endswith("backward") and k.startswith("layer")), key=list(ms).index)
    for k in order:
        print(f"  {k:<55} {statistics.median(ms[k]):8.2f}")


if __name__ == "__main__":
    sys.exit(main())
