#!/usr/bin/env python3
"""PyTorch reference for `cifar10-dl4j bench`: the same network, data, preprocessing and batch
size, timed the same way, writing the same result record (docs: README, "Benchmark records").

Not part of CI (it needs PyTorch). On Debian: apt-get install python3-torch libopenblas0-pthread
(without libopenblas0-pthread PyTorch's fp32 matrix products fall back to reference BLAS).

    /usr/bin/python3 bench/reference/pytorch_cifar10.py --data synthetic --results bench/results/mine.jsonl
"""
import argparse
import datetime
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

RECORD_BYTES = 3073
SCHEMA = "cifar10-dl4j/bench-record"
SCHEMA_VERSION = 1


def read_records(path, limit=0):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        sys.exit(f"error: {path} is {raw.size} bytes, not a whole number of {RECORD_BYTES}-byte CIFAR-10 records")
    raw = raw.reshape(-1, RECORD_BYTES)
    if limit:
        raw = raw[:limit]
    labels = raw[:, 0].astype(np.int64)
    if labels.max() > 9:
        sys.exit(f"error: {path} has a label above 9")
    return raw[:, 1:].reshape(-1, 3, 32, 32), labels


def load(data, max_train):
    if data == "synthetic":
        # The Java generator's recipe (SyntheticCifar10: jittered class stripes, faint colour cast, a distractor
        # pattern, strong noise, a quarter of the labels random); same shapes and statistics, not the same bytes.
        # Speed depends only on the shapes.
        n = max_train or 50_000
        rng = np.random.default_rng(777)
        classes = rng.integers(0, 10, n)
        labels = np.where(rng.random(n) < 0.25, rng.integers(0, 10, n), classes)
        y, x = np.mgrid[0:32, 0:32]
        images = np.empty((n, 3, 32, 32), np.uint8)
        for i, k in enumerate(classes):
            angle = math.pi * k / 10 + (rng.random() - 0.5) * math.pi / 12
            freq = 2 * math.pi * (2 + k % 4 + (rng.random() - 0.5) * 0.6) / 32
            other = rng.integers(0, 10)
            d_angle, d_freq = math.pi * other / 10, 2 * math.pi * (2 + other % 4) / 32
            stripes = np.sin(math.cos(angle) * freq * x + math.sin(angle) * freq * y + rng.random() * 2 * math.pi)
            distractor = np.sin(math.cos(d_angle) * d_freq * x + math.sin(d_angle) * d_freq * y + rng.random() * 2 * math.pi)
            contrast, d_contrast = 6 + rng.random() * 14, rng.random() * 16
            for c in range(3):
                cast = 10 * math.sin(2 * math.pi * (k + 3 * c) / 10)
                v = 128 + cast + contrast * stripes + d_contrast * distractor + 120 * (rng.random((32, 32)) - 0.5)
                images[i, c] = np.clip(v, 0, 255)
        return images, labels, f"synthetic (numpy, seed 777)"
    files = sorted(f for f in os.listdir(data) if f.startswith("data_batch_") and f.endswith(".bin"))
    if not files:
        sys.exit(f"error: no data_batch_*.bin in {data}")
    parts = [read_records(os.path.join(data, f)) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if max_train:
        images, labels = images[:max_train], labels[:max_train]
    return images, labels, os.path.abspath(data)


def notebook_cnn(drop=0.2):
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding="same"), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding="same"), nn.ReLU(),
                nn.MaxPool2d(2, 2), nn.Dropout(drop)]
    net = nn.Sequential(*block(3, 32), *block(32, 64), *block(64, 128), nn.Flatten(),
                        nn.Linear(2048, 256), nn.ReLU(), nn.Linear(256, 10))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # Keras glorot_uniform
            nn.init.zeros_(m.bias)
    return net


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def blas_library():
    """Which BLAS this process mapped: Debian's torch uses whatever libblas.so.3 alternative is installed."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1].rsplit("/", 1)[-1] for line in f if "blas" in line.lower()}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip() or None
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="synthetic", help="synthetic, or a directory of CIFAR-10 binary files")
    p.add_argument("--max-train-images", type=int, default=4572, help="training records before the 70/30 split (0 = all)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs")
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--eval-batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = PyTorch's default)")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast (CPUs with AVX-512 BF16 / AMX)")
    p.add_argument("--label", default="", help="free text stored in the record")
    p.add_argument("--results", default="", help="append the JSON record to this file")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(777)

    images, labels, source = load(a.data, a.max_train_images)
    mean = images.mean(axis=(0, 2, 3), dtype=np.float64)
    std = images.std(axis=(0, 2, 3), dtype=np.float64)
    perm = np.random.RandomState(777).permutation(len(images))  # = train_test_split(test_size=0.3, random_state=777)
    n_val = math.ceil(0.3 * len(images))
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    mean_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    inv_std_t = torch.tensor(1 / std, dtype=torch.float32).view(1, 3, 1, 1)
    images_t = torch.from_numpy(images)
    labels_t = torch.from_numpy(labels)

    def batch(idx):  # standardised per batch, from bytes, like the Java iterator
        return (images_t[idx].float() - mean_t) * inv_std_t, labels_t[idx]

    net = notebook_cnn()
    opt = torch.optim.Adam(net.parameters(), lr=1e-4, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16)

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        with autocast:
            loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    net.train()
    rng = np.random.default_rng(1)
    for _ in range(a.warmup_steps):
        step(*batch(torch.from_numpy(rng.choice(train_idx, a.batch_size))))

    epochs = []
    for e in range(a.epochs):
        order = torch.from_numpy(np.random.default_rng(777 * 1_000_003 + e).permutation(train_idx))
        net.train()
        t0 = time.perf_counter()
        steps = 0
        for s in range(0, len(order), a.batch_size):
            step(*batch(order[s:s + a.batch_size]))
            steps += 1
        train_s = time.perf_counter() - t0
        net.eval()
        t1 = time.perf_counter()
        with torch.no_grad(), autocast:
            for s in range(0, len(val_idx), a.eval_batch_size):
                net(batch(torch.from_numpy(val_idx[s:s + a.eval_batch_size]))[0])
        val_s = time.perf_counter() - t1
        row = {"epoch": e + 1, "seconds": train_s + val_s, "trainSeconds": train_s, "steps": steps,
               "msPerStep": 1000 * train_s / steps, "imagesPerSecond": len(order) / train_s,
               "validationSeconds": val_s, "validationImagesPerSecond": len(val_idx) / val_s}
        epochs.append(row)
        print(f"Epoch {e + 1}/{a.epochs}  {steps}/{steps} - {row['seconds']:.1f}s {row['msPerStep']:.1f}ms/step - "
              f"{row['imagesPerSecond']:.1f} images/s train - {row['validationImagesPerSecond']:.1f} images/s validation")

    def med(k):
        return statistics.median(r[k] for r in epochs)

    ips = [r["imagesPerSecond"] for r in epochs]
    record = {
        "schema": SCHEMA, "schemaVersion": SCHEMA_VERSION,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "label": a.label,
        "framework": {"name": "pytorch", "version": torch.__version__},
        "project": {"version": "reference", "commit": git_commit()},
        "host": {"name": socket.gethostname(), "os": f"{platform.system()} {platform.release()} {platform.machine()}",
                 "cpuModel": cpu_model(), "logicalCores": os.cpu_count(),
                 "memoryBytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")},
        "runtime": f"Python {platform.python_version()}",
        "backend": {"name": "cpu", "nativeVariant": f"torch {torch.__version__}, BLAS via {blas_library()}",
                    "layerHelpers": "mkldnn" if torch.backends.mkldnn.is_available() else "none",
                    "threads": torch.get_num_threads(), "cpuFlags": None},
        "gpu": None,
        "dataType": "bfloat16-autocast" if a.bf16 else "float32",
        "batchSize": a.batch_size,
        "data": {"source": source, "trainImages": len(train_idx), "validationImages": len(val_idx)},
        "imagesPerEpoch": len(train_idx), "warmupSteps": a.warmup_steps,
        "epochs": epochs,
        "median": {"epochSeconds": med("seconds"), "msPerStep": med("msPerStep"), "imagesPerSecond": med("imagesPerSecond"),
                   "validationImagesPerSecond": med("validationImagesPerSecond")},
        "spread": {"imagesPerSecondMin": min(ips), "imagesPerSecondMax": max(ips)},
        "memory": {"peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                   "peakHeapBytes": None, "peakOffHeapBytes": None, "peakGpuBytes": None},
    }
    m = record["median"]
    print(f"Median: {m['epochSeconds']:.1f} s/epoch, {m['msPerStep']:.1f} ms/step, {m['imagesPerSecond']:.1f} images/s train, "
          f"{m['validationImagesPerSecond']:.1f} images/s validation; peak RSS {record['memory']['peakRssBytes'] / 2**20:.0f} MiB")
    if a.results:
        os.makedirs(os.path.dirname(os.path.abspath(a.results)), exist_ok=True)
        with open(a.results, "a") as f:
            f.write(json.dumps(record) + "\n")
        print(f"Appended the record to {a.results}")


if __name__ == "__main__":
    main()
