#!/usr/bin/env python3
"""PyTorch reference for `cifar10-dl4j bench`: the same network, data, preprocessing and batch
size, timed the same way, writing the same result record (docs/benchmarks.md, "The PyTorch reference").

On the CPU with the PyTorch users install today (pip's CPU wheel, 2.x, in a virtual environment) or Debian's
(apt-get install python3-torch libopenblas0-pthread: 1.13; without libopenblas0-pthread its fp32 matrix products
fall back to reference BLAS), or on an NVIDIA GPU (any PyTorch with CUDA):

    python3 -m venv ~/venv-torch && ~/venv-torch/bin/pip install torch numpy   # pytorch.org names the CPU-only wheel
    ~/venv-torch/bin/python bench/reference/pytorch_cifar10.py --device cpu --threads 2 --results bench/results/mine.jsonl
    /usr/bin/python3 bench/reference/pytorch_cifar10.py --device cpu --threads 2 --results bench/results/mine.jsonl
    python3 bench/reference/pytorch_cifar10.py --device cuda --amp bf16 --channels-last --cuda-graphs

The record names the PyTorch (framework.version), its oneDNN and BLAS (backend.nativeVariant), and in
backend.settings the interpreter (python), the malloc (memoryAllocator) and, per timed epoch, the minor page faults
per image of training and of validation (minorPageFaultsPerImage).

Needs PyTorch 1.10 or newer (tested with 1.13 and 2.x); what an older one cannot do is refused at start:
  --amp bf16 on CPU:   torch.autocast("cpu", bfloat16), PyTorch 1.10+ (fast only with AVX-512 BF16 / AMX).
  --amp fp16:          CUDA only (torch.autocast("cuda", float16) with a GradScaler); on CPU use bf16.
  --amp bf16 on CUDA:  a GPU with native bfloat16 (compute capability 8.0+, torch.cuda.is_bf16_supported()).
  --cuda-graphs:       torch.cuda.CUDAGraph / torch.cuda.graph (1.10+) and Adam(capturable=True) (1.12+);
                       not with --amp fp16 (GradScaler checks for inf/NaN on the host: not capturable).
"""
import argparse
import contextlib
import datetime
import inspect
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
except ImportError:
    sys.stderr.write("error: PyTorch is not installed for " + sys.executable + ". On Debian: apt-get install python3-torch "
                     "libopenblas0-pthread; elsewhere: pip install torch (see pytorch.org for the CUDA build).\n")
    sys.exit(2)

RECORD_BYTES = 3073
SCHEMA = "cifar10-dl4j/bench-record"
SCHEMA_VERSION = 1
# The notebook's epoch: model.fit on 35,000 images (batch 32), then validation on 15,000; Keras counts both.
NOTEBOOK_TRAIN_IMAGES, NOTEBOOK_VALIDATION_IMAGES = 35_000, 15_000


class Refused(Exception):
    """A request this PyTorch, machine or option combination cannot honour: exit 2 with the reason."""


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
    return ", ".join(mapped_libraries("blas")) or "unknown"


def mapped_libraries(*names):
    """File names of the shared libraries this process mapped whose name contains one of names (lower case)."""
    try:
        with open("/proc/self/maps") as f:
            return sorted({line.split()[-1].rsplit("/", 1)[-1] for line in f
                           if "/" in line and any(n in line.rsplit("/", 1)[-1].lower() for n in names)})
    except OSError:
        return []


def cpu_libraries():
    """oneDNN's version and the BLAS, as torch was built: pip's wheels carry MKL inside libtorch_cpu; Debian's torch
    uses whatever libblas.so.3 alternative is installed."""
    config = torch.__config__.show()
    onednn = re.search(r"MKL-DNN v([0-9][0-9.]*)", config)
    blas = "MKL (built into torch)" if torch.backends.mkl.is_available() else f"BLAS via {blas_library()}"
    return (f"oneDNN {onednn.group(1)}, " if onednn else "") + blas


def memory_allocator():
    """The malloc PyTorch's CPU tensors come from: a preloaded jemalloc, tcmalloc or mimalloc, else glibc's, with the
    environment that tunes it. It matters to evaluation at batch 256: glibc maps each block of 32 MiB or more (a
    256 x 32 x 32 x 32 activation is one) afresh from the kernel and unmaps it on free, so every pass faults those pages
    in again; a caching allocator keeps them."""
    preloaded = mapped_libraries("jemalloc", "tcmalloc", "mimalloc")
    environment = {k: v for k, v in os.environ.items() if k.startswith("MALLOC_") or k in ("GLIBC_TUNABLES", "LD_PRELOAD")}
    return {"library": ", ".join(preloaded) or "glibc malloc", "environment": environment}


def minor_page_faults():
    """This process's minor page faults so far (memory the kernel had to map in, not read from disk)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip() or None
    except OSError:
        return None


def torch_version():
    """(major, minor) of torch.__version__, e.g. '1.13.0a0+git' -> (1, 13)."""
    parts = torch.__version__.split("+")[0].split(".")
    return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)


def default_threads():
    """DL4J's (libnd4j's) default: OMP_NUM_THREADS when set, else every CPU this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def choose_device(a):
    """The torch.device to run on, or Refused naming what is missing and what to do."""
    if torch_version() < (1, 10):
        raise Refused(f"PyTorch {torch.__version__} is too old: this reference needs 1.10 or newer (torch.autocast, "
                      "Conv2d padding='same'); tested with 1.13 and 2.x")
    cuda_ok = torch.cuda.is_available()
    if a.device == "auto":
        device = "cuda" if cuda_ok else "cpu"
    elif a.device == "cuda" and not cuda_ok:
        built = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "built without CUDA (a CPU-only wheel)"
        raise Refused(f"--device cuda: torch.cuda.is_available() is False (PyTorch {torch.__version__}, {built}). "
                      "Check nvidia-smi and CUDA_VISIBLE_DEVICES, install a CUDA build of PyTorch, or use --device cpu")
    else:
        device = a.device
    if device == "cpu":
        if a.cuda_graphs:
            raise Refused("--cuda-graphs needs --device cuda (CUDA graphs capture GPU kernels)")
        if a.amp == "fp16":
            raise Refused("--amp fp16 runs on CUDA only; on the CPU use --amp bf16 (torch.autocast('cpu', bfloat16))")
    else:
        if a.amp == "bf16" and not (hasattr(torch.cuda, "is_bf16_supported") and torch.cuda.is_bf16_supported()):
            raise Refused(f"--amp bf16: {torch.cuda.get_device_name()} (compute capability "
                          f"{'.'.join(map(str, torch.cuda.get_device_capability()))}) has no native bfloat16; use --amp fp16")
        if a.cuda_graphs:
            if not (hasattr(torch.cuda, "CUDAGraph") and hasattr(torch.cuda, "graph")):
                raise Refused(f"--cuda-graphs: PyTorch {torch.__version__} has no torch.cuda.graph (1.10+)")
            if "capturable" not in inspect.signature(torch.optim.Adam).parameters:
                raise Refused(f"--cuda-graphs: PyTorch {torch.__version__}'s Adam has no capturable=True (1.12+), "
                              "so its step cannot be captured")
            if a.amp == "fp16":
                raise Refused("--cuda-graphs with --amp fp16: GradScaler checks for inf/NaN on the host, which a CUDA graph "
                              "cannot capture; use --amp bf16 (no scaler) or drop --cuda-graphs")
    return torch.device(device)


def cudnn_version():
    v = torch.backends.cudnn.version()
    if not v:
        return None
    if v >= 90000:  # cuDNN 9 encodes major*10000 + minor*100 + patch
        return f"{v // 10000}.{v % 10000 // 100}.{v % 100}"
    return f"{v // 1000}.{v % 1000 // 100}.{v % 100}"  # cuDNN 8: major*1000 + minor*100 + patch


def nvidia_driver(index):
    """The driver version from nvidia-smi (PyTorch does not expose it), or None without nvidia-smi."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None
    try:
        out = subprocess.run([smi, "--query-gpu=driver_version", "--format=csv,noheader", "-i", str(index)],
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def gpu_fields(device):
    if device.type != "cuda":
        return None
    index = device.index if device.index is not None else torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    return {"name": props.name, "computeCapability": f"{props.major}.{props.minor}", "memoryBytes": props.total_memory,
            "driver": nvidia_driver(index), "cuda": torch.version.cuda, "cudnn": cudnn_version()}


def data_type_name(a, device):
    if a.amp == "bf16":
        return "bfloat16-autocast"
    if a.amp == "fp16":
        return "float16-autocast"
    return "float32"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto",
                   help="cpu, cuda (the current CUDA device; pick one with CUDA_VISIBLE_DEVICES) or auto = cuda when available")
    p.add_argument("--data", default="synthetic", help="synthetic, or a directory of CIFAR-10 binary files")
    p.add_argument("--max-train-images", type=int, default=4572, help="training records before the 70/30 split (0 = all)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs")
    p.add_argument("--warmup-steps", type=int, default=1000, help="untimed steps first, an epoch's worth at a time, each followed by a "
                   "validation pass; DL4J's bench default, which the JVM needs to compile its Java code (the comparison "
                   "script passes DL4J's own count)")
    p.add_argument("--eval-batch-size", type=int, default=256,
                   help="images per validation batch (DL4J's bench default; the comparison script passes DL4J's own)")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads (0 = DL4J's default: OMP_NUM_THREADS, else every CPU this process may use; "
                        "PyTorch's own default can be fewer)")
    p.add_argument("--amp", choices=["none", "bf16", "fp16"], default="none",
                   help="autocast: bf16 (CPU with AVX-512 BF16 / AMX, GPU with compute capability 8.0+) or fp16 (CUDA, with a GradScaler)")
    p.add_argument("--bf16", action="store_true", help=argparse.SUPPRESS)  # the old spelling of --amp bf16
    p.add_argument("--channels-last", action="store_true", help="NHWC memory format for the model and the batches")
    p.add_argument("--cuda-graphs", action="store_true",
                   help="capture the whole training step (forward, loss, backward, Adam) as one CUDA graph and replay it; "
                        "a last partial batch is dropped, as the graph's shapes are fixed")
    p.add_argument("--label", default="", help="free text stored in the record")
    p.add_argument("--results", default="", help="append the JSON record to this file")
    a = p.parse_args(argv)
    if a.bf16:
        a.amp = "bf16"
    for name in ("batch_size", "epochs", "eval_batch_size"):
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be 1 or more")
    if a.warmup_steps < 0 or a.threads < 0 or a.max_train_images < 0:
        p.error("--warmup-steps, --threads and --max-train-images must be 0 or more")
    return a


def main():
    a = parse_args()
    try:
        run(a)
    except Refused as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(2)


def run(a):
    device = choose_device(a)
    cuda = device.type == "cuda"
    torch.set_num_threads(a.threads or default_threads())
    torch.manual_seed(777)

    images, labels, source = load(a.data, a.max_train_images)
    if len(images) < 4:
        raise Refused(f"{len(images)} images: too few to split 70/30; raise --max-train-images")
    mean = images.mean(axis=(0, 2, 3), dtype=np.float64)
    std = images.std(axis=(0, 2, 3), dtype=np.float64)
    perm = np.random.RandomState(777).permutation(len(images))  # = train_test_split(test_size=0.3, random_state=777)
    n_val = math.ceil(0.3 * len(images))
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    memory_format = torch.channels_last if a.channels_last else torch.contiguous_format
    # Everything on the device once: bytes, labels and the normalisation constants; batches are gathered and
    # standardised there, so no host-to-device copy sits inside a timed step.
    mean_t = torch.tensor(mean, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    inv_std_t = torch.tensor(1 / std, dtype=torch.float32, device=device).view(1, 3, 1, 1)
    images_t = torch.from_numpy(images).to(device)
    labels_t = torch.from_numpy(labels).to(device)
    val_idx_t = torch.from_numpy(val_idx).to(device)

    def batch(idx):  # standardised per batch, from bytes, like the Java iterator
        x = (images_t[idx].float() - mean_t) * inv_std_t
        return x.contiguous(memory_format=memory_format), labels_t[idx]

    def clock():  # CUDA runs asynchronously: wait for every queued kernel before reading the clock
        if cuda:
            torch.cuda.synchronize(device)
        return time.perf_counter()

    net = notebook_cnn().to(device=device, memory_format=memory_format)
    opt_args = {"lr": 1e-4, "eps": 1e-7}  # Keras's Adam epsilon
    if a.cuda_graphs:
        opt_args["capturable"] = True  # Adam's step count stays on the GPU, so the step can be captured
    opt = torch.optim.Adam(net.parameters(), **opt_args)
    loss_fn = nn.CrossEntropyLoss()
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.amp)
    # Autocast's weight-cast cache must be off inside a graph capture (PyTorch's CUDA-graph notes).
    autocast_args = {"cache_enabled": False} if a.cuda_graphs else {}

    def autocast():  # no autocast object at all in fp32: PyTorch 1.13 rejects a disabled CPU one with a float32 dtype
        return torch.autocast(device.type, dtype=amp_dtype, **autocast_args) if amp_dtype else contextlib.nullcontext()

    scaler = None
    if a.amp == "fp16":  # fp16 gradients underflow without loss scaling; torch.amp.GradScaler is 2.3+, the old one warns there
        scaler = torch.amp.GradScaler("cuda") if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()

    def eager_step(x, y):
        opt.zero_grad(set_to_none=True)
        with autocast():
            loss = loss_fn(net(x), y)
        if scaler:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()

    rng = np.random.default_rng(1)

    def warmup_indices():
        return torch.from_numpy(rng.choice(train_idx, a.batch_size)).to(device)

    net.train()
    step = eager_step
    if a.cuda_graphs:
        step = capture_step(a, device, net, opt, loss_fn, autocast, batch, warmup_indices)
        warmup = max(0, a.warmup_steps - 3)  # capture_step ran three of them on its side stream
    else:
        warmup = a.warmup_steps
    def validate():
        return evaluate(net, batch, val_idx_t, a.eval_batch_size, autocast)

    # The warm-up runs as the timed epochs do, as DL4J's bench does: at most an epoch's steps, then a validation pass.
    steps_per_epoch = -(-len(train_idx) // a.batch_size)
    done = 0
    while done < warmup:
        net.train()
        for _ in range(min(warmup - done, steps_per_epoch)):
            step(*batch(warmup_indices()))
            done += 1
        validate()
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)

    epochs = []
    faults = {"train": [], "validation": []}  # per image, per timed epoch: recorded in backend.settings
    for e in range(a.epochs):
        order = torch.from_numpy(np.random.default_rng(777 * 1_000_003 + e).permutation(train_idx)).to(device)
        if a.cuda_graphs:  # fixed shapes: whole batches only
            order = order[:len(order) // a.batch_size * a.batch_size]
            if len(order) == 0:
                raise Refused(f"--cuda-graphs: fewer training images ({len(train_idx)}) than one batch of {a.batch_size}")
        net.train()
        faults0 = minor_page_faults()
        t0 = clock()
        steps = 0
        for s in range(0, len(order), a.batch_size):
            step(*batch(order[s:s + a.batch_size]))
            steps += 1
        train_s = clock() - t0
        faults1 = minor_page_faults()
        t1 = clock()
        val_loss, val_accuracy = validate()
        val_s = clock() - t1
        faults2 = minor_page_faults()
        row = {"epoch": e + 1, "seconds": train_s + val_s, "trainSeconds": train_s, "steps": steps,
               "msPerStep": 1000 * train_s / steps, "imagesPerSecond": len(order) / train_s,
               "validationSeconds": val_s, "validationImagesPerSecond": len(val_idx) / val_s}
        epochs.append(row)
        faults["train"].append(round((faults1 - faults0) / len(order), 1))
        faults["validation"].append(round((faults2 - faults1) / len(val_idx), 1))
        print(f"Epoch {e + 1}/{a.epochs}  {steps}/{steps} - {row['seconds']:.1f}s {row['msPerStep']:.1f}ms/step - "
              f"{row['imagesPerSecond']:.1f} images/s train - {row['validationImagesPerSecond']:.1f} images/s validation "
              f"(loss {val_loss:.4f}, accuracy {val_accuracy:.4f}); minor page faults per image: "
              f"{faults['train'][-1]:.0f} train, {faults['validation'][-1]:.0f} validation", flush=True)

    record = make_record(a, device, source, train_idx, val_idx, epochs, images_per_epoch=len(order), page_faults=faults)
    m, n = record["median"], record["notebookEpoch"]
    print(f"Median: {m['epochSeconds']:.1f} s/epoch, {m['msPerStep']:.1f} ms/step, {m['imagesPerSecond']:.1f} images/s train, "
          f"{m['validationImagesPerSecond']:.1f} images/s validation; peak RSS {record['memory']['peakRssBytes'] / 2**20:.0f} MiB"
          + (f", peak GPU memory {record['memory']['peakGpuBytes'] / 2**20:.0f} MiB" if cuda else ""))
    print(f"Notebook epoch ({NOTEBOOK_TRAIN_IMAGES:,} + {NOTEBOOK_VALIDATION_IMAGES:,} images): {n['kerasEpochSeconds']:.1f} s "
          f"as Keras counts it (training {n['trainSeconds']:.1f} s + validation {n['validationSeconds']:.1f} s); "
          f"the notebook says about 7 s")
    if a.results:
        os.makedirs(os.path.dirname(os.path.abspath(a.results)), exist_ok=True)
        with open(a.results, "a") as f:
            f.write(json.dumps(record) + "\n")
        print(f"Appended the record to {a.results}")


def evaluate(net, batch, indices, batch_size, autocast):
    """One validation pass, written as a PyTorch user writes forward-only evaluation and doing what Keras's validation
    and DL4J's Evaluator do: eval mode (dropout off), inference mode (no autograd graph, no saved activations), the
    evaluation batch size DL4J's side uses (--eval-batch-size, 256 on both by default), loss and accuracy summed on
    the device and read once at the end. Returns (mean loss, accuracy)."""
    net.eval()
    loss_sum = correct = None
    with torch.inference_mode(), autocast():
        for s in range(0, len(indices), batch_size):
            x, y = batch(indices[s:s + batch_size])
            logits = net(x).float()
            loss = nn.functional.cross_entropy(logits, y, reduction="sum")
            hits = (logits.argmax(1) == y).sum()
            loss_sum, correct = (loss, hits) if loss_sum is None else (loss_sum + loss, correct + hits)
    return loss_sum.item() / len(indices), correct.item() / len(indices)


def capture_step(a, device, net, opt, loss_fn, autocast, batch, warmup_indices):
    """PyTorch's whole-network capture recipe (CUDA semantics notes, "Whole-network capture"): static input and
    target tensors, three warm-up iterations on a side stream, grads set to None before capture, then one graph
    holding forward, loss, backward and Adam's step. Returns step(x, y): copy into the static tensors, replay."""
    static_x, static_y = (t.clone() for t in batch(warmup_indices()))

    def body():
        with autocast():
            loss = loss_fn(net(static_x), static_y)
        loss.backward()
        opt.step()

    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(3):
            x, y = batch(warmup_indices())
            static_x.copy_(x)
            static_y.copy_(y)
            opt.zero_grad(set_to_none=True)
            body()
    torch.cuda.current_stream(device).wait_stream(side)

    graph = torch.cuda.CUDAGraph()
    opt.zero_grad(set_to_none=True)  # backward inside the capture allocates .grad from the graph's private pool
    with torch.cuda.graph(graph):
        body()

    def step(x, y):
        static_x.copy_(x)
        static_y.copy_(y)
        graph.replay()  # the captured backward overwrites the grads (they were None at capture): no zero_grad

    return step


def make_record(a, device, source, train_idx, val_idx, epochs, images_per_epoch, page_faults):
    cuda = device.type == "cuda"

    def med(k):
        return statistics.median(r[k] for r in epochs)

    ips = [r["imagesPerSecond"] for r in epochs]
    median = {"epochSeconds": med("seconds"), "msPerStep": med("msPerStep"), "imagesPerSecond": med("imagesPerSecond"),
              "validationImagesPerSecond": med("validationImagesPerSecond")}
    train_s = NOTEBOOK_TRAIN_IMAGES / median["imagesPerSecond"]
    val_s = NOTEBOOK_VALIDATION_IMAGES / median["validationImagesPerSecond"]
    settings = {"device": str(device), "amp": a.amp, "channelsLast": a.channels_last, "cudaGraphs": a.cuda_graphs,
                "evalBatchSize": a.eval_batch_size, "threadsRequested": a.threads or None,
                "ompNumThreads": os.environ.get("OMP_NUM_THREADS"),
                "openMp": {k: os.environ[k] for k in ("OMP_PROC_BIND", "GOMP_SPINCOUNT") if k in os.environ},
                "memoryAllocator": memory_allocator(), "python": sys.executable,
                # Not in the epoch rows: their fields are the Java record's, which readers hold to.
                "minorPageFaultsPerImage": page_faults}
    if cuda:
        settings["cudnnBenchmark"] = torch.backends.cudnn.benchmark
        settings["tf32"] = {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
    return {
        "schema": SCHEMA, "schemaVersion": SCHEMA_VERSION,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "label": a.label,
        "framework": {"name": "pytorch", "version": torch.__version__},
        "project": {"version": "reference", "commit": git_commit()},
        "host": {"name": socket.gethostname(), "os": f"{platform.system()} {platform.release()} {platform.machine()}",
                 "cpuModel": cpu_model(), "logicalCores": os.cpu_count(),
                 "memoryBytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")},
        "runtime": f"Python {platform.python_version()}",
        "backend": {"name": device.type,
                    "nativeVariant": (f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {cudnn_version()}"
                                      + (", CUDA graphs" if a.cuda_graphs else "")) if cuda
                    else f"torch {torch.__version__}, {cpu_libraries()}",
                    "layerHelpers": ("cudnn" if torch.backends.cudnn.is_available() else "none") if cuda
                    else ("mkldnn" if torch.backends.mkldnn.is_available() else "none"),
                    "threads": torch.get_num_threads(), "cpuFlags": None, "settings": settings},
        "gpu": gpu_fields(device),
        "dataType": data_type_name(a, device) + (", channels-last" if a.channels_last else ""),
        "batchSize": a.batch_size,
        "data": {"source": source, "trainImages": len(train_idx), "validationImages": len(val_idx)},
        "imagesPerEpoch": images_per_epoch, "warmupSteps": a.warmup_steps,
        "epochs": epochs,
        "median": median,
        "spread": {"imagesPerSecondMin": min(ips), "imagesPerSecondMax": max(ips)},
        "notebookEpoch": {"trainImages": NOTEBOOK_TRAIN_IMAGES, "validationImages": NOTEBOOK_VALIDATION_IMAGES,
                          "trainSeconds": train_s, "validationSeconds": val_s, "kerasEpochSeconds": train_s + val_s},
        "memory": {"peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                   "peakHeapBytes": None, "peakOffHeapBytes": None,
                   "peakGpuBytes": torch.cuda.max_memory_allocated(device) if cuda else None},
    }


if __name__ == "__main__":
    main()
