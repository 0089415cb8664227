#!/usr/bin/env node
// `tracewall merge` of a fleet's recordings at 10, 100, 1,000, 2,000 and 4,000 recordings, side by side in one run:
// wall time, CPU time and peak RSS of the merge process (with its coverage report and convergence verdict, as a user
// runs it), and the machine's load average while it ran (the machine may be shared). The recordings come from
// bench/merge-gen.mjs: the ten real recordings of bench/merge-base/, each varied into pods (10 workloads x N/10 pods).
// The merged recording at 1,000 is checked byte for byte against the one the library builds whole (mergeRecordings and
// serializeRecording), since merge writes it piece by piece. Writes bench/merge-results.json and the "merge at scale"
// section of bench/RESULTS.md. Run after the build: npm run bench:merge (or node bench/merge-scale.mjs [--rounds R]).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateFleet } from './merge-gen.mjs';
import { writeResultsSection } from './results-section.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'tracewall');
const probe = path.join(root, 'bench', 'merge-rss.mjs');
const COUNTS = [10, 100, 1000, 2000, 4000, 8000];
const CHECKED = 1000;
const WORKLOADS = 10;
const at = process.argv.indexOf('--rounds');
const ROUNDS = at < 0 ? 2 : Number(process.argv[at + 1]);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-bench-merge-'));
const log = (s) => process.stdout.write(s + '\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * The largest heap V8 found live after a full collection (--trace-gc's "Mark-Compact A (B) -> C (D) MB" lines, C):
 * what the merge holds, without the room V8 leaves the heap to grow into between collections (which peak RSS counts).
 */
function liveHeap(traceGc) {
  let max = 0;
  for (const m of traceGc.matchAll(/Mark-Compact[^\n]*?-> ([0-9.]+) \(/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** One `tracewall merge` of `files`: wall seconds, CPU seconds, peak RSS and live heap (MiB), output size, what it merged. */
function mergeOnce(files, n) {
  const out = path.join(work, `merged-${n}.recording.json`);
  const load = os.loadavg()[0];
  const usage = path.join(work, `usage-${n}.json`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--trace-gc', '--import', probe, bin, 'merge', '-o', out, ...files], {
    env: { ...process.env, TRACEWALL_BENCH_USAGE: usage },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`tracewall merge of ${n} recordings exited ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  const u = JSON.parse(fs.readFileSync(usage, 'utf8'));
  const text = fs.readFileSync(out, 'utf8');
  if (n === CHECKED) checkBytes(files, out, text);
  const merged = JSON.parse(text);
  return {
    loadAverage: (load + os.loadavg()[0]) / 2,
    wallSeconds: wall,
    cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
    peakRssMiB: u.maxRSS / 1024,
    liveHeapMiB: liveHeap(r.stdout),
    outputMiB: fs.statSync(out).size / 2 ** 20,
    runs: merged.provenance.sources.length,
    files: Object.keys(merged.files).length,
    verdict:
      r.stderr
        .split('\n')
        .find((l) => /converged|convergence/.test(l))
        ?.replace(/^tracewall: /, '')
        .slice(0, 60) ?? '',
  };
}

const dist = (f) => import(path.join(root, 'dist', f));
const { readRecording, serializeRecording } = await dist('recording/io.js');
const { mergeRecordings } = await dist('analyze/merge.js');
const { TOOL_VERSION } = await dist('version.js');

/** The merged recording `merge` wrote piece by piece is the one the library builds whole, byte for byte. */
function checkBytes(files, out, text) {
  const inputs = files.map((file) => ({ recording: readRecording(file), label: file }));
  const name = path.basename(out).replace(/\.recording\.json$/, '');
  const whole = serializeRecording(mergeRecordings(inputs, { name, toolVersion: TOOL_VERSION }));
  if (whole !== text)
    throw new Error(`tracewall merge of ${files.length} recordings did not write the bytes of the built merge`);
}

function markdown(r) {
  const rows = r.results.map(
    (x) =>
      `| ${x.recordings.toLocaleString('en')} | ${x.wallSeconds.toFixed(2)} s | ${x.cpuSeconds.toFixed(2)} s | ${x.peakRssMiB.toFixed(0)} MiB | ${x.liveHeapMiB.toFixed(0)} MiB | ${x.outputMiB.toFixed(1)} MiB | ${x.files.toLocaleString('en')} | ${x.loadAverage.toFixed(1)} |`,
  );
  return [
    '## merge at scale (bench/merge-scale.mjs)',
    '',
    `Measured ${r.when} on ${r.machine.cpus} cores (${r.machine.cpu}), kernel ${r.machine.kernel}; per count the lower median of ${r.rounds} rounds (every round is in bench/merge-results.json).`,
    `\`tracewall merge\` (with its coverage report and convergence verdict) of ${WORKLOADS} real workloads x N/${WORKLOADS} pods`,
    `(bench/merge-gen.mjs). Target: 1,000 recordings in 10 s, memory flat in the count. The merged recording of ${CHECKED.toLocaleString('en')} was`,
    'checked byte for byte against the one the library builds whole. Live heap: the most V8 found live after a full',
    'collection (--trace-gc), what the merge holds without the room V8 leaves the heap between collections (which peak',
    'RSS counts). Load: the 1-minute load average while it ran.',
    '',
    '| recordings | wall | CPU | peak RSS | live heap | merged recording | file paths in it | load |',
    '| --: | --: | --: | --: | --: | --: | --: | --: |',
    ...rows,
    '',
  ].join('\n');
}

function main() {
  log(`merge-scale: generating ${Math.max(...COUNTS)} recordings under ${work}`);
  const perWorkload = Math.max(...COUNTS) / WORKLOADS;
  const fleet = generateFleet(path.join(work, 'fleet'), { pods: perWorkload });
  // The first N/10 pods of each workload, in path order (as a shell glob over the collected directory gives them).
  const pick = (n) => fleet.filter((_, i) => i % perWorkload < n / WORKLOADS).sort();
  const rounds = Object.fromEntries(COUNTS.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const n of COUNTS) {
      const m = mergeOnce(pick(n), n);
      rounds[n].push(m);
      log(
        `  round ${round + 1}: ${n} recordings: ${m.wallSeconds.toFixed(2)} s wall, ${m.peakRssMiB.toFixed(0)} MiB peak, ${m.liveHeapMiB.toFixed(0)} MiB live, load ${m.loadAverage.toFixed(1)}`,
      );
    }
  const results = COUNTS.map((n) => {
    const ms = rounds[n];
    const med = (k) => median(ms.map((m) => m[k]));
    return {
      recordings: n,
      wallSeconds: med('wallSeconds'),
      cpuSeconds: med('cpuSeconds'),
      peakRssMiB: med('peakRssMiB'),
      liveHeapMiB: med('liveHeapMiB'),
      outputMiB: ms[0].outputMiB,
      runs: ms[0].runs,
      files: ms[0].files,
      verdict: ms[0].verdict,
      loadAverage: med('loadAverage'),
      rounds: ms.map(({ wallSeconds, cpuSeconds, peakRssMiB, liveHeapMiB, loadAverage }) => ({
        wallSeconds,
        cpuSeconds,
        peakRssMiB,
        liveHeapMiB,
        loadAverage,
      })),
    };
  });
  const r = {
    when: new Date().toISOString(),
    machine: { kernel: os.release(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '' },
    rounds: ROUNDS,
    results,
  };
  fs.writeFileSync(path.join(root, 'bench', 'merge-results.json'), JSON.stringify(r, null, 2) + '\n');
  const md = markdown(r);
  writeResultsSection(root, 'merge at scale', md);
  log('');
  log(md);
}

try {
  main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
