#!/usr/bin/env python3
"""oneDNN's own time per training step, from a DNNL_VERBOSE / ONEDNN_VERBOSE log, by primitive.

DL4J (libnd4j) and PyTorch both run their CPU convolutions on oneDNN, so the same log line format
tells how much of a step is oneDNN's arithmetic and layout reorders, and so how much is the
framework around it. Counts the primitives whose batch is the training batch (problem descriptor
"mbN", or a reorder whose first dimension is N; weight reorders of N-filter layers count too), and
divides by the training steps, found as the backward-weights calls / the number of convolutions.

    DNNL_VERBOSE=1 java -jar target/cifar10-dl4j.jar bench --epochs 1 > dl4j.log
    DNNL_VERBOSE=1 OMP_PROC_BIND=true GOMP_SPINCOUNT=1000 /usr/bin/python3 bench/reference/pytorch_cifar10.py \
        --device cpu --threads 2 --epochs 1 > torch.log     # a Python with torch, e.g. Debian's python3-torch
    bench/onednn_per_step.py dl4j.log torch.log
"""
import argparse
import collections
import re
import sys


def summarise(path, batch, convolutions):
    time, calls = collections.Counter(), collections.Counter()
    for line in open(path, errors="replace"):
        if not line.startswith(("dnnl_verbose,exec,cpu,", "onednn_verbose,exec,cpu,")):
            continue
        f = line.rstrip("\n").split(",")
        primitive, impl, kind, problem, ms = f[3], f[4], f[5], f[-2], float(f[-1])
        if primitive == "reorder":
            dims = problem.split("x")
            if not dims[0].isdigit() or int(dims[0]) != batch:
                continue
            src, dst = (d.split(":")[-2] for d in f[6].split(" ")[:2])
            key = f"reorder {src} -> {dst}"
        else:
            mb = re.match(r"mb(\d+)", problem)
            if not mb or int(mb.group(1)) != batch:
                continue
            key = f"{primitive} {kind} [{impl}]"
        time[key] += ms
        calls[key] += 1
    steps = sum(n for k, n in calls.items() if "backward_weights" in k) / convolutions
    if steps == 0:
        sys.exit(f"error: no convolution backward-weights calls at batch {batch} in {path}; was DNNL_VERBOSE=1 set?")
    print(f"{path}: {steps:.0f} training steps of batch {batch}; oneDNN {sum(time.values()) / steps:.2f} ms per step")
    for key, ms in time.most_common():
        print(f"  {ms / steps:7.2f} ms  {calls[key] / steps:5.1f} calls  {key}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("logs", nargs="+")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--convolutions", type=int, default=6, help="convolution layers in the model (6 in the notebook's)")
    a = p.parse_args()
    for path in a.logs:
        summarise(path, a.batch_size, a.convolutions)


if __name__ == "__main__":
    main()
