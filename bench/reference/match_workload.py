#!/usr/bin/env python3
"""The PyTorch reference's options for the workload a DL4J `bench` record states, and the check that a PyTorch
record timed that same workload. Used by bench/compare-with-pytorch.sh; the standard library only, so any Python 3
runs it.

    match_workload.py args  DL4J_RECORD_LINE             prints the reference's options, one per line
    match_workload.py check DL4J_RECORD_LINE TORCH_LINE  exit 0 when both records timed the same workload

Exit 1 with the reason on stderr when DL4J's workload cannot be reproduced or the two records differ.
"""
import json
import sys


class Mismatch(Exception):
    """What the two sides cannot be compared on, said so that the user knows what to change."""


def parse(line, what):
    try:
        record = json.loads(line)
    except ValueError as e:
        raise Mismatch(f"{what} is not a JSON record ({e}): {line[:80]!r}")
    if not isinstance(record, dict) or record.get("schema") != "cifar10-dl4j/bench-record":
        raise Mismatch(f"{what} is not a cifar10-dl4j bench record: {line[:80]!r}")
    return record


def workload(record):
    """What makes two runs the same work: threads, warm-up, batch sizes, epochs and images."""
    try:
        return {"threads": record["backend"]["threads"], "warm-up steps": record["warmupSteps"],
                "batch size": record["batchSize"], "evaluation batch size": record["backend"]["settings"]["evalBatchSize"],
                "timed epochs": len(record["epochs"]), "training images": record["data"]["trainImages"],
                "validation images": record["data"]["validationImages"], "images per epoch": record["imagesPerEpoch"]}
    except (KeyError, TypeError) as e:
        raise Mismatch(f"the {record.get('framework', {}).get('name', '?')} record has no {e} field")


def reference_options(dl4j_line):
    """The pytorch_cifar10.py options that time the workload of DL4J's record, or Mismatch saying why none can."""
    r = parse(dl4j_line, "DL4J's record")
    w = workload(r)
    source = str(r["data"].get("source", ""))
    if not source.startswith("synthetic"):
        raise Mismatch(f"DL4J timed {source}; the comparison times the synthetic bench workload only "
                       "(leave --data out of BENCH_OPTIONS)")
    if w["images per epoch"] != w["training images"]:
        raise Mismatch(f"DL4J's epochs were capped at {w['images per epoch']} of {w['training images']} images "
                       "(--steps); the PyTorch reference times whole epochs: make the workload smaller with "
                       "--max-train-images instead")
    for key in ("threads", "batch size", "evaluation batch size", "timed epochs"):
        if not isinstance(w[key], int) or w[key] < 1:
            raise Mismatch(f"DL4J's record states {w[key]!r} as its {key}")
    return ["--device", "cpu", "--data", "synthetic", "--threads", w["threads"], "--warmup-steps", w["warm-up steps"],
            "--batch-size", w["batch size"], "--eval-batch-size", w["evaluation batch size"],
            "--epochs", w["timed epochs"], "--max-train-images", w["training images"] + w["validation images"]]


def differences(dl4j_line, torch_line):
    """How the PyTorch record's workload differs from DL4J's: ['threads: DL4J 2, PyTorch 1', ...]."""
    dl4j, torch = workload(parse(dl4j_line, "DL4J's record")), workload(parse(torch_line, "PyTorch's record"))
    return [f"{k}: DL4J {dl4j[k]}, PyTorch {torch[k]}" for k in dl4j if dl4j[k] != torch[k]]


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "args":
            print("\n".join(str(o) for o in reference_options(argv[1])))
            return 0
        if len(argv) == 3 and argv[0] == "check":
            d = differences(argv[1], argv[2])
            if d:
                raise Mismatch("PyTorch did not time DL4J's workload: " + "; ".join(d))
            return 0
    except Mismatch as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
