#!/bin/sh
# Records the ten real workloads of bench/merge-workloads/ once with `tracewall record` (strace) into
# bench/merge-base/NAME.recording.json: the seeds bench/merge-gen.mjs varies into 1,000 pods. Needs a build
# (npm run build), strace, busybox and python3. Re-run only to refresh the committed seeds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/merge-base"
mkdir -p "$out"
for w in "$here"/merge-workloads/*.sh; do
  name=$(basename "$w" .sh)
  "$here/../bin/tracewall" record --tracer strace --name "$name" -o "$out/$name.recording.json" -- sh "$w"
done
