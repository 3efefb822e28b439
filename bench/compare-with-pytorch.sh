#!/usr/bin/env bash
# DL4J (this project's `bench`) against the PyTorch reference on this machine, side by side:
# ROUNDS alternating runs of each on the same workload (bench profile: 3,200 synthetic training
# images = 100 steps of batch 32 per epoch, 3 timed epochs after 20 warm-up steps), then one report.
#   bench/compare-with-pytorch.sh [RESULTS_FILE] [ROUNDS]
# Needs: the jar (mvn -DskipTests package) and, on Debian, python3-torch + libopenblas0-pthread.
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-bench/results/$(hostname)-cpu.jsonl}
rounds=${2:-3}
python=${PYTHON:-/usr/bin/python3}
jar=target/cifar10-dl4j.jar
[ -f "$jar" ] || { echo "error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }
"$python" -c "import torch" 2>/dev/null || { echo "error: $python cannot import torch; on Debian: apt-get install python3-torch libopenblas0-pthread" >&2; exit 2; }

for round in $(seq "$rounds"); do
  echo "== round $round of $rounds: DL4J"
  java -jar "$jar" bench --results "$results" --label "round $round"
  echo "== round $round of $rounds: PyTorch, its default OpenMP settings"
  "$python" bench/reference/pytorch_cifar10.py --results "$results" --label "round $round"
  echo "== round $round of $rounds: PyTorch with the OpenMP settings cifar10-dl4j applies"
  OMP_PROC_BIND=true GOMP_SPINCOUNT=1000 "$python" bench/reference/pytorch_cifar10.py --results "$results" \
    --label "round $round, OMP_PROC_BIND=true GOMP_SPINCOUNT=1000"
done
java -jar "$jar" report "$results" --baseline pytorch --markdown "${results%.jsonl}.md" --chart "${results%.jsonl}.png"
