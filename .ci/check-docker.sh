#!/usr/bin/env bash
# The README's docker commands use the Dockerfiles' own image tags, and name the base images they use.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for file in docker/*.Dockerfile; do
  tag=$(sed -n "s|^#   docker build -f $file -t \([^ ]*\) .*|\1|p" "$file")
  if [[ -z "$tag" ]]; then echo "$file: no 'docker build -f $file -t TAG .' line in its header"; status=1; continue; fi
  grep -qF "docker build -f $file -t $tag ." README.md || { echo "README.md does not build $file as $tag (the Dockerfile's tag)"; status=1; }
  [[ $(grep -c -- " $tag" README.md) -ge 2 ]] || { echo "README.md does not run $tag"; status=1; }
  for image in $(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$file"); do
    grep -qF "$image" README.md || { echo "README.md does not name $file's base image $image"; status=1; }
  done
done
exit $status
