#!/usr/bin/env bash
# The command line's own start: `tracewall --help` against bare node, side by side (hyperfine; medians in ms).
# Issue 10's target: tracewall --help <= 0.3 s. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "bench/startup.sh: install hyperfine (apt-get install hyperfine)" >&2; exit 3; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
hyperfine --warmup 3 --runs "${RUNS:-30}" --export-json "$out" --command-name node 'node -e 0' \
  --command-name 'tracewall --help' 'node bin/tracewall --help' \
  --command-name 'tracewall diff (usage error)' 'node bin/tracewall diff 2>/dev/null; true' >/dev/null
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
for (const x of r) console.log(`${x.command.padEnd(30)} median ${(x.median * 1000).toFixed(0)} ms  (min ${(x.min * 1000).toFixed(0)}, max ${(x.max * 1000).toFixed(0)})`);
' "$out"
