#!/usr/bin/env bash
# DL4J (this project's `bench`) against the PyTorch reference on this machine, side by side and at
# equal threads: ROUNDS alternating rounds on the same workload (bench profile: 3,200 synthetic
# training images = 100 steps of batch 32 per epoch, 1,372 validation images at batch 256, 3 timed
# epochs after 1,000 warm-up steps), then one report. Each round runs DL4J first, reads from its record
# the workload PyTorch must match (threads, warm-up steps, batch and evaluation batch sizes, epochs,
# images; bench/reference/match_workload.py), and runs the PyTorch reference with exactly that, twice:
# with PyTorch's own OpenMP settings and with the ones cifar10-dl4j applies to itself; each PyTorch
# record is then checked to state DL4J's workload. Every record carries its thread count, the PyTorch
# version and the machine's load average when it started.
#   bench/compare-with-pytorch.sh [RESULTS_FILE] [ROUNDS]
#   PYTORCH_PYTHON=~/venv-torch/bin/python bench/compare-with-pytorch.sh ...
#       the Python whose PyTorch is timed (default /usr/bin/python3, Debian's python3-torch 1.13;
#       the PyTorch users install today: python3 -m venv ~/venv-torch && ~/venv-torch/bin/pip install torch numpy).
#       One results file per PyTorch keeps each report to one comparison.
#   PYTORCH_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 bench/compare-with-pytorch.sh ...
#       runs PyTorch on another malloc (LD_PRELOAD, PyTorch's only), as PyTorch's Performance Tuning Guide advises for CPUs
#       (Debian: libtcmalloc-minimal4 or libjemalloc2). With glibc's, each validation pass at batch 256 maps its
#       largest activations in afresh from the kernel; the record names the malloc and counts the page faults.
#   BATCH_SIZE=8 bench/compare-with-pytorch.sh ...   (another training batch size for both; default 32)
#   BENCH_OPTIONS="--epochs 1 --warmup-steps 4 --max-train-images 400" bench/compare-with-pytorch.sh ...
#       more `bench` options for DL4J (a quick check that everything runs: not for timings); PyTorch follows
#       DL4J's record. Not --steps (the reference times whole epochs) nor --data (synthetic only).
# Needs: the jar (mvn -DskipTests package) and a Python with PyTorch and numpy (see PYTORCH_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-bench/results/$(hostname)-cpu.jsonl}
rounds=${2:-3}
batch=${BATCH_SIZE:-32}
python=${PYTORCH_PYTHON:-${PYTHON:-/usr/bin/python3}}  # PYTHON: this script's earlier name for it
read -r -a bench_options <<< "${BENCH_OPTIONS:-}"
preload=${PYTORCH_PRELOAD:-}
jar=target/cifar10-dl4j.jar
[ -f "$jar" ] || { echo "error: $jar is missing; build it with: mvn -DskipTests package" >&2; exit 2; }
"$python" -c "import torch, numpy" 2>/dev/null || { echo "error: $python cannot import torch and numpy; set PYTORCH_PYTHON to a Python that can" \
  "(a virtual environment: python3 -m venv ~/venv-torch && ~/venv-torch/bin/pip install torch numpy; on Debian: apt-get install python3-torch libopenblas0-pthread)" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "error: ROUNDS must be a positive whole number, not '$rounds'" >&2; exit 2; }
torch_env=() preload_label=""
if [ -n "$preload" ]; then
  [ -f "$preload" ] || { echo "error: PYTORCH_PRELOAD=$preload is not a file; e.g. apt-get install libtcmalloc-minimal4," \
    "then PYTORCH_PRELOAD=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4" >&2; exit 2; }
  torch_env=("LD_PRELOAD=$preload") preload_label=", LD_PRELOAD=$(basename "$preload")"
fi
echo "PyTorch: $("$python" -c 'import sys, torch; print(torch.__version__, "from", sys.executable)')${preload_label}"

load() { cut -d' ' -f1 /proc/loadavg; }
same_workload() { # the last record (PyTorch's) against DL4J's of this round; and the malloc asked for, if any
  "$python" bench/reference/match_workload.py check "$dl4j_record" "$(tail -n 1 "$results")"
  [ -z "$preload" ] || tail -n 1 "$results" | "$python" -c 'import json, sys
allocator = json.load(sys.stdin)["backend"]["settings"]["memoryAllocator"]["library"]
sys.exit(f"error: PYTORCH_PRELOAD={sys.argv[1]} was not loaded (PyTorch ran on {allocator})" if allocator == "glibc malloc" else 0)' "$preload"
}

for round in $(seq "$rounds"); do
  echo "== round $round of $rounds: DL4J (load $(load))"
  java -jar "$jar" bench --batch-size "$batch" ${bench_options[@]+"${bench_options[@]}"} --results "$results" --label "round $round, load $(load)"
  dl4j_record=$(tail -n 1 "$results")
  options=$("$python" bench/reference/match_workload.py args "$dl4j_record")
  mapfile -t torch_options <<< "$options"
  threads=$(printf '%s\n' "${torch_options[@]}" | sed -n '/^--threads$/{n;p;}')
  echo "== round $round of $rounds: PyTorch, $threads threads, its own OpenMP settings (load $(load))"
  env ${torch_env[@]+"${torch_env[@]}"} "$python" bench/reference/pytorch_cifar10.py "${torch_options[@]}" --results "$results" \
    --label "round $round, load $(load)$preload_label"
  same_workload
  echo "== round $round of $rounds: PyTorch, $threads threads, the OpenMP settings cifar10-dl4j applies (load $(load))"
  env ${torch_env[@]+"${torch_env[@]}"} OMP_PROC_BIND=true GOMP_SPINCOUNT=1000 "$python" bench/reference/pytorch_cifar10.py "${torch_options[@]}" \
    --results "$results" --label "round $round, load $(load), OMP_PROC_BIND=true GOMP_SPINCOUNT=1000$preload_label"
  same_workload
done
java -jar "$jar" report "$results" --baseline "pytorch OMP_PROC_BIND=true" --markdown "${results%.jsonl}.md" --chart "${results%.jsonl}.png"
