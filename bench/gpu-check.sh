#!/usr/bin/env bash
# The GPU check: this project on one NVIDIA GPU in about ten minutes, written as one records file and one report to
# attach to a bug report.
#   bench/gpu-check.sh [OUT_DIR]        (default: gpu-check-HOST-DATE)
# What it runs, on the first GPU (set CUDA_VISIBLE_DEVICES to pick another):
#   1. the cuDNN self-check (every cuDNN pass of this project's helpers against libnd4j's ops on the same GPU, NCHW and
#      NHWC), then doctor: every convolution path (cudnn, libnd4j, built-in) checked against DL4J's built-in layers and timed, each
#      in a process of its own; the verdict is stored, so the runs below use the fastest verified path;
#   2. 100 training steps under cuDNN's API log, once with this project's cuDNN helpers and once with libnd4j's ops:
#      cuDNN calls per step (algorithm searches, convolution forward / backward data / backward filter, pooling);
#   3. bench once per convolution path, the same workload (bench profile: 1,000 warm-up steps, 3 timed epochs);
#   4. one notebook epoch as Keras counts it (35,000 training + 15,000 validation images, synthetic), against the
#      notebook's 7 s;
#   5. the PyTorch reference on the same GPU, the same workloads (PYTHON names the interpreter; default python3).
# Exit: 0 when every part ran; 1 when some part failed (the report says which); 2 when the jar is not the cuda build;
# 5 at once on a machine without a usable NVIDIA GPU, or when the GPU cannot run the cuda build (compute capability
# 3.7 to 8.9; then only the PyTorch reference runs).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-gpu-check-$(hostname)-$(date +%Y%m%d-%H%M%S)}
python=${PYTHON:-python3}
jar=target/cifar10-dl4j.jar

# 0. A GPU at all: nvidia-smi answers within 3 s, or this is no GPU machine (exit 5, within 5 s).
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "No NVIDIA GPU: nvidia-smi is not on PATH (no NVIDIA driver). The GPU check needs an NVIDIA GPU; on the CPU use bench and compare-with-pytorch.sh." >&2
  exit 5
fi
gpu=$(timeout 3 nvidia-smi --query-gpu=index,name,compute_cap,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)
if [ -z "$gpu" ]; then
  echo "No usable NVIDIA GPU: nvidia-smi did not list one within 3 s (driver not loaded, no GPU, or a hung driver). Run nvidia-smi to see why." >&2
  exit 5
fi
cc=$(echo "$gpu" | cut -d, -f3 | tr -d ' ')
runs_cuda_build=yes
if ! awk -v cc="$cc" 'BEGIN { exit !(cc >= 3.7 && cc < 9.0) }'; then
  runs_cuda_build=no
fi
if [ "$runs_cuda_build" = yes ] && ! unzip -p "$jar" build.properties 2>/dev/null | grep -q '^backend=cuda'; then
  echo "$jar is missing or is not the cuda build. Build it first: mvn -B -ntp -Pcuda -DskipTests package" >&2
  exit 2
fi

mkdir -p "$out/logs"
records=$out/records.jsonl
report=$out/report.md
failures=()
step() { # step NAME COMMAND...: runs it with its output in logs/NAME.log, and remembers a failure
  local name=$1; shift
  echo "== $name"
  "$@" >"$out/logs/$name.log" 2>&1
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    failures+=("$name (exit $rc, see logs/$name.log)")
    echo "   failed (exit $rc): see $out/logs/$name.log"
  fi
}

if [ "$runs_cuda_build" = yes ]; then
  step cudnn-self-check java -cp "$jar:target/lib/*" dev.cifar10.cudnn.GpuSelfCheck
  step doctor java -jar "$jar" doctor
  for path in cudnn libnd4j; do
    CUDNN_LOGINFO_DBG=1 CUDNN_LOGDEST_DBG="$out/logs/cudnn-api-$path.log" step "cudnn-log-$path" \
      java -jar "$jar" bench --conv-path "$path" --warmup-steps 0 --epochs 1 --steps 100 --results "$out/logs/cudnn-logged.jsonl" \
      --label "under cuDNN's API log (not a timing)"
  done
  for path in cudnn libnd4j built-in; do
    step "bench-$path" java -jar "$jar" bench --conv-path "$path" --results "$records" --label "gpu-check, $path"
  done
  step notebook-epoch java -jar "$jar" bench --max-train-images 50000 --epochs 1 --warmup-steps 200 --results "$records" \
    --label "gpu-check, one notebook epoch"
else
  echo "== this GPU (compute capability $cc) cannot run the cuda build: nd4j-cuda-11.6 holds machine code for 3.7 to 8.9 and no PTX"
  failures+=("the cuda build: this GPU's compute capability $cc is outside 3.7 to 8.9")
fi
if "$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  step pytorch "$python" bench/reference/pytorch_cifar10.py --device cuda --results "$records" --label "gpu-check, PyTorch"
  step pytorch-notebook-epoch "$python" bench/reference/pytorch_cifar10.py --device cuda --max-train-images 50000 --epochs 1 \
    --warmup-steps 200 --results "$records" --label "gpu-check, PyTorch, one notebook epoch"
else
  failures+=("the PyTorch reference: $python has no torch with CUDA (set PYTHON to an interpreter that has)")
fi

# The report: what ran where, the doctor, cuDNN calls per step, the timings table, the notebook epoch against 7 s.
{
  echo "# GPU check, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- GPU: $gpu (index, name, compute capability, driver, memory)"
  echo "- Host: $(hostname), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) threads"
  echo "- Project: $(unzip -p "$jar" build.properties 2>/dev/null | tr '\n' ' ')"
  echo "- PyTorch: $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null || echo "not importable by $python")"
  echo
  if [ "${#failures[@]}" -gt 0 ]; then
    echo "## Did not run or failed"
    printf -- '- %s\n' "${failures[@]}"
    echo
  fi
  if [ -f "$out/logs/cudnn-self-check.log" ]; then
    echo "## cuDNN self-check"
    echo '```'
    cat "$out/logs/cudnn-self-check.log"
    echo '```'
    echo
  fi
  if [ -f "$out/logs/doctor.log" ]; then
    echo "## doctor"
    echo '```'
    cat "$out/logs/doctor.log"
    echo '```'
    echo
  fi
  for path in cudnn libnd4j; do
    if [ -s "$out/logs/cudnn-api-$path.log" ]; then
      echo "## cuDNN calls, --conv-path $path (100 training steps and one validation pass of 6 batches)"
      echo
      "$python" bench/cudnn_calls.py "$out/logs/cudnn-api-$path.log" 100 || echo "(the log could not be counted)"
      echo
    fi
  done
  if [ -s "$records" ]; then
    echo "## Timings"
    echo
    java -jar "$jar" report "$records" --markdown "$out/timings.md" --chart "$out/timings.png" >/dev/null 2>&1 && cat "$out/timings.md"
    echo
    echo "## One notebook epoch as Keras counts it, against the notebook's about 7 s"
    echo
    "$python" - "$records" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "one notebook epoch" in (r.get("label") or ""):
        n = r["notebookEpoch"]
        print("- %s %s: %.1f s (training %.1f s + validation %.1f s): %s the notebook's 7 s"
              % (r["framework"]["name"], r["framework"]["version"], n["kerasEpochSeconds"], n["trainSeconds"],
                 n["validationSeconds"], "within" if n["kerasEpochSeconds"] <= 7 else "%.2fx" % (n["kerasEpochSeconds"] / 7)))
PY
  fi
} >"$report"
echo "Wrote $records and $report"
if [ "$runs_cuda_build" = no ]; then exit 5; fi
[ "${#failures[@]}" -eq 0 ] || exit 1
