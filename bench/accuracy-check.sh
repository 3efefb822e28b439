#!/usr/bin/env bash
# Does a change keep the model's accuracy? Trains the notebook recipe (30 epochs, batch 32, Adam 1e-4)
# on real CIFAR-10 records with two builds of the jar, alternating, one run per seed, and prints each
# run's test accuracy and loss, the mean per build and the difference in points.
#   bench/accuracy-check.sh BEFORE_JAR AFTER_JAR DATA_DIR [SEEDS...]      (seeds default: 777 1 2 3 4)
#   DATA_DIR: CIFAR-10's binary files (data_batch_*.bin, test_batch.bin), any whole number of records each
#   e.g. git worktree add /tmp/before <commit> && (cd /tmp/before && mvn -q -DskipTests package)
#        bench/accuracy-check.sh /tmp/before/target/cifar10-dl4j.jar target/cifar10-dl4j.jar ~/datasets/cifar10-sample
# With a 2,034-record sample (1,423 training images), one run takes about 1.5 min on a 2-vCPU AMD EPYC.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 BEFORE_JAR AFTER_JAR DATA_DIR [SEEDS...]" >&2; exit 2; }
before=$1 after=$2 data=$3
shift 3
seeds=${*:-777 1 2 3 4}
for jar in "$before" "$after"; do [ -f "$jar" ] || { echo "error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }; done
[ -d "$data" ] || { echo "error: $data is not a directory of CIFAR-10 binary records" >&2; exit 2; }
out=$(mktemp -d)
for seed in $seeds; do
  for build in before after; do
    jar=$([ $build = before ] && echo "$before" || echo "$after")
    java -jar "$jar" train --data "$data" --seed "$seed" --out "$out/$build-$seed" > "$out/$build-$seed.log" 2>&1 \
      || { echo "error: $build seed $seed failed, log: $out/$build-$seed.log" >&2; exit 1; }
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sys.argv[2], "seed", sys.argv[3], "test accuracy %.3f loss %.4f" % (d["accuracy"], d["loss"]))' \
      "$out/$build-$seed/test.json" "$build" "$seed"
  done
done | tee "$out/summary.txt"
python3 - "$out/summary.txt" <<'PY'
import sys, statistics
acc = {}
for line in open(sys.argv[1]):
    f = line.split()
    acc.setdefault(f[0], []).append(float(f[5]))
for build in ("before", "after"):
    print(f"{build}: mean test accuracy {statistics.mean(acc[build]):.4f} over {len(acc[build])} seeds")
print(f"after - before: {100 * (statistics.mean(acc['after']) - statistics.mean(acc['before'])):+.1f} points")
PY
echo "runs kept in $out"
