#!/usr/bin/env python3
"""Summarises bench/where-the-time-goes.sh's output: per framework, batch and line, the median over the rounds,
and from batch 8 and 64 each line's fixed cost per step and cost per image (t(b) = fixed + b * per_image).
    python3 bench/summarise_breakdown.py where-the-time-goes.txt"""
import re
import statistics
import sys


def main(path):
    values, framework, batch = {}, None, None
    with open(path) as f:
        for line in f:
            head = re.match(r"Step breakdown: (DL4J|PyTorch)[^,]*, batch (\d+), (\d+) threads", line)
            if head:
                framework, batch = head.group(1), int(head.group(2))
                continue
            row = re.match(r"  (.+?)\s+(-?\d+\.\d+)$", line.rstrip("\n"))
            if row and framework:
                key = row.group(1).replace("updater (Adam) and fit's own work", "updater (Adam)") \
                    .replace("updater (Adam) and zero_grad", "updater (Adam)").replace("whole step: data + fit", "whole step") \
                    .replace("whole step: data + training", "whole step")
                values.setdefault((framework, batch, key), []).append(float(row.group(2)))
    if not values:
        sys.exit(f"error: no step breakdown in {path}")
    keys = list(dict.fromkeys(k for _, _, k in values))
    print("| ms per step, median of rounds | DL4J b8 | PyTorch b8 | DL4J b64 | PyTorch b64 "
          "| DL4J fixed | DL4J per image | PyTorch fixed | PyTorch per image |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in keys:
        cells, model = [], {}
        for fw, b in (("DL4J", 8), ("PyTorch", 8), ("DL4J", 64), ("PyTorch", 64)):
            v = values.get((fw, b, k))
            m = statistics.median(v) if v else None
            model[(fw, b)] = m
            cells.append("-" if m is None else f"{m:.2f} ({len(v)})")
        for fw in ("DL4J", "PyTorch"):
            t8, t64 = model[(fw, 8)], model[(fw, 64)]
            if t8 is None or t64 is None:
                cells += ["-", "-"]
            else:
                per_image = (t64 - t8) / 56
                cells += [f"{t8 - 8 * per_image:.2f}", f"{per_image:.3f}"]
        print(f"| {k} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "where-the-time-goes.txt")
