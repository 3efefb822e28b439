#!/usr/bin/env bash
# DL4J (this project's `bench`) against the PyTorch reference on this machine, side by side and at
# equal threads: ROUNDS alternating rounds on the same workload (bench profile: 3,200 synthetic
# training images = 100 steps of batch 32 per epoch, 3 timed epochs after 1,000 warm-up steps), then one
# report. Each round runs DL4J first, reads the thread count DL4J ran with from its record, and runs
# PyTorch with exactly that many threads (--threads) and warm-up steps (--warmup-steps), twice: with PyTorch's own OpenMP settings and with
# the ones cifar10-dl4j applies to itself. Every record carries its thread count and the machine's
# load average when it started.
#   bench/compare-with-pytorch.sh [RESULTS_FILE] [ROUNDS]
#   BATCH_SIZE=8 bench/compare-with-pytorch.sh ...   (another batch size for both; default 32)
# Needs: the jar (mvn -DskipTests package) and, on Debian, python3-torch + libopenblas0-pthread.
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-bench/results/$(hostname)-cpu.jsonl}
rounds=${2:-3}
batch=${BATCH_SIZE:-32}
python=${PYTHON:-/usr/bin/python3}
jar=target/cifar10-dl4j.jar
[ -f "$jar" ] || { echo "error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }
"$python" -c "import torch" 2>/dev/null || { echo "error: $python cannot import torch; on Debian: apt-get install python3-torch libopenblas0-pthread" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }

load() { cut -d' ' -f1 /proc/loadavg; }
last_threads() { # the thread count in the last record of the results file
  tail -n 1 "$results" | "$python" -c 'import json, sys; print(json.load(sys.stdin)["backend"]["threads"])'
}
last_warmup() { # the warm-up steps of the last record
  tail -n 1 "$results" | "$python" -c 'import json, sys; print(json.load(sys.stdin)["warmupSteps"])'
}

for round in $(seq "$rounds"); do
  echo "== round $round of $rounds: DL4J (load $(load))"
  java -jar "$jar" bench --batch-size "$batch" --results "$results" --label "round $round, load $(load)"
  threads=$(last_threads)
  [[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "error: DL4J's record in $results has no thread count ($threads)" >&2; exit 1; }
  warmup=$(last_warmup)
  [[ "$warmup" =~ ^[0-9]+$ ]] || { echo "error: DL4J's record in $results has no warm-up step count ($warmup)" >&2; exit 1; }
  echo "== round $round of $rounds: PyTorch, $threads threads, its own OpenMP settings (load $(load))"
  "$python" bench/reference/pytorch_cifar10.py --device cpu --threads "$threads" --warmup-steps "$warmup" --batch-size "$batch" --results "$results" \
    --label "round $round, load $(load)"
  echo "== round $round of $rounds: PyTorch, $threads threads, the OpenMP settings cifar10-dl4j applies (load $(load))"
  OMP_PROC_BIND=true GOMP_SPINCOUNT=1000 "$python" bench/reference/pytorch_cifar10.py --device cpu --threads "$threads" --warmup-steps "$warmup" \
    --batch-size "$batch" --results "$results" --label "round $round, load $(load), OMP_PROC_BIND=true GOMP_SPINCOUNT=1000"
  [ "$(last_threads)" = "$threads" ] || { echo "error: PyTorch ran with $(last_threads) threads, DL4J with $threads" >&2; exit 1; }
done
java -jar "$jar" report "$results" --baseline "pytorch OMP_PROC_BIND=true" --markdown "${results%.jsonl}.md" --chart "${results%.jsonl}.png"
