#!/usr/bin/env bash
# The cuda profile's runtime classpath: nd4j-cuda-11.6 with the cuDNN natives, no CPU backend,
# no non-cuDNN natives. Reads the dependency tree (POMs only: the 600 MB natives are not fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=target/cuda-runtime-tree.txt
mkdir -p target
mvn -B -ntp -q -Pcuda dependency:tree -Dscope=runtime -DoutputFile="$tree"
fail() { echo "cuda layout check FAILED: $1 (see $tree)" >&2; exit 1; }
grep -q 'org.nd4j:nd4j-cuda-11.6:jar:1.0.0-M2.1:runtime' "$tree" || fail "nd4j-cuda-11.6 is missing"
grep -q 'org.nd4j:nd4j-cuda-11.6:jar:linux-x86_64-cudnn:1.0.0-M2.1:runtime' "$tree" || fail "the linux-x86_64-cudnn natives are missing"
! grep -q 'nd4j-cuda-11.6:jar:linux-x86_64:' "$tree" || fail "the non-cuDNN natives are on the classpath"
if grep 'nd4j-native' "$tree" | grep -vq 'nd4j-native-api'; then fail "nd4j-native (the CPU backend) is on the classpath"; fi
cudnn_jar="$HOME/.m2/repository/org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64-cudnn.jar"
echo "cuda layout check passed: nd4j-cuda-11.6 + linux-x86_64-cudnn natives, no nd4j-native$([ -f "$cudnn_jar" ] || echo ', natives not downloaded')"
