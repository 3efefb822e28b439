#!/usr/bin/env bash
# Where a training step's time goes, DL4J (`bench --breakdown`) against PyTorch
# (bench/reference/step_breakdown.py) at the same thread count, at batch 8 and 64: the difference
# between the two batch sizes separates the fixed cost of a step from its cost per image.
# Alternating, ROUNDS rounds; the output is also written to OUTPUT.
#   bench/where-the-time-goes.sh [OUTPUT] [ROUNDS] [STEPS]
#   WARMUP=N bench/where-the-time-goes.sh ...   (untimed training steps first, both; default 1000, see docs/benchmarks.md, "Warm-up")
#   PYTORCH_PYTHON=~/venv-torch/bin/python bench/where-the-time-goes.sh ...   (the Python whose PyTorch is timed;
#       default /usr/bin/python3, Debian's python3-torch 1.13; see bench/compare-with-pytorch.sh for a 2.x one)
# Needs: the jar (mvn -DskipTests package) and a Python with PyTorch and numpy (see PYTORCH_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-where-the-time-goes.txt}
rounds=${2:-3}
steps=${3:-30}
warmup=${WARMUP:-1000}
python=${PYTORCH_PYTHON:-${PYTHON:-/usr/bin/python3}}  # PYTHON: this script's earlier name for it
jar=target/cifar10-dl4j.jar
[ -f "$jar" ] || { echo "error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }
"$python" -c "import torch, numpy" 2>/dev/null || { echo "error: $python cannot import torch and numpy; set PYTORCH_PYTHON to a Python that can" \
  "(a virtual environment: python3 -m venv ~/venv-torch && ~/venv-torch/bin/pip install torch numpy; on Debian: apt-get install python3-torch libopenblas0-pthread)" >&2; exit 2; }

{
  echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; $rounds rounds of $steps steps after $warmup warm-up steps"
  for round in $(seq "$rounds"); do
    for batch in 8 64; do
      echo "== round $round, batch $batch, load $(cut -d' ' -f1 /proc/loadavg)"
      dl4j=$(java -jar "$jar" bench --breakdown "$steps" --warmup-steps "$warmup" --batch-size "$batch")
      echo "$dl4j" | sed -n '/^Step breakdown/,$p'
      threads=$(echo "$dl4j" | sed -n 's/^Step breakdown: DL4J, batch [0-9]*, \([0-9]*\) threads.*/\1/p')
      [[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "error: no thread count in DL4J's breakdown" >&2; exit 1; }
      "$python" bench/reference/step_breakdown.py --batch-size "$batch" --threads "$threads" --steps "$steps" --warmup-steps "$warmup"
    done
  done
} 2>&1 | tee "$output"
echo
"$python" bench/summarise_breakdown.py "$output"
