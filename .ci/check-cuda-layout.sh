#!/usr/bin/env bash
# The backend profiles' runtime classpaths (POMs only: the 600 MB natives are not fetched):
#  - cuda: nd4j-cuda-11.6 with the cuDNN natives (not the plain ones), PLUS the cpu profile's backend
#    (nd4j-native with both oneDNN natives, OpenBLAS), so one artifact falls back to the CPU;
#  - cpu (the default): no CUDA jar at all, so it stays as small as before.
set -euo pipefail
cd "$(dirname "$0")/.."
cuda_tree=target/cuda-runtime-tree.txt
cpu_tree=target/cpu-runtime-tree.txt
mkdir -p target
mvn -B -ntp -q -Pcuda dependency:tree -Dscope=runtime -DoutputFile="$cuda_tree"
mvn -B -ntp -q dependency:tree -Dscope=runtime -DoutputFile="$cpu_tree"
fail() { echo "backend layout check FAILED: $1" >&2; exit 1; }
need() { grep -q "$2" "$1" || fail "$3 (see $1)"; }
# compile scope: the cuDNN path's seam (src/cuda/java) compiles against its classes
need "$cuda_tree" 'org.nd4j:nd4j-cuda-11.6:jar:1.0.0-M2.1:compile' "nd4j-cuda-11.6 is missing from the cuda build"
need "$cuda_tree" 'org.nd4j:nd4j-cuda-11.6:jar:linux-x86_64-cudnn:1.0.0-M2.1:runtime' "the linux-x86_64-cudnn natives are missing from the cuda build"
! grep -q 'nd4j-cuda-11.6:jar:linux-x86_64:' "$cuda_tree" || fail "the non-cuDNN natives are on the cuda build's classpath"
for tree in "$cuda_tree" "$cpu_tree"; do
  need "$tree" 'org.nd4j:nd4j-native:jar:1.0.0-M2.1:runtime' "nd4j-native (the CPU backend) is missing"
  need "$tree" 'org.nd4j:nd4j-native:jar:linux-x86_64-onednn:1.0.0-M2.1:runtime' "the oneDNN natives are missing"
  need "$tree" 'org.nd4j:nd4j-native:jar:linux-x86_64-onednn-avx512:1.0.0-M2.1:runtime' "the AVX-512 oneDNN natives are missing"
  need "$tree" 'org.bytedeco:openblas:jar:linux-x86_64:' "OpenBLAS natives are missing"
  ! grep -q 'nd4j-native:jar:linux-x86_64:' "$tree" || fail "the plain (non-oneDNN) CPU natives, never loaded, are on the classpath (see $tree)"
done
! grep -q 'cuda' "$cpu_tree" || fail "the cpu build carries a CUDA jar (see $cpu_tree)"
cudnn_jar="$HOME/.m2/repository/org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64-cudnn.jar"
echo "backend layout check passed: cuda = nd4j-cuda-11.6 + linux-x86_64-cudnn natives + the CPU backend; cpu = no CUDA jar$([ -f "$cudnn_jar" ] || echo ' (natives not downloaded)')"
