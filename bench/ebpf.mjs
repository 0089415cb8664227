#!/usr/bin/env node
// The ebpf tracer's costs, measured side by side in one run (medians, runs alternated so drift hits both sides):
//  1. dd's own CPU time (bs=1, 2,000,000 bytes: 4,000,000 syscalls) untraced, recorded by `tracewall record --tracer ebpf`,
//     and untraced while another process is being recorded (what every other process of the machine pays);
//  2. the whole `tracewall record --tracer ebpf -- /bin/true` (wall time: node, the loader, the kernel's verifier);
//  3. the loader's resident memory (peak VmRSS, sampled) on a 100,000-call and a 1,000,000-call workload;
//  4. nginx (1 worker, crun, host network, on CPU 0) under wrk (on CPU 1): requests/s and the server's CPU time per
//     request, untraced, with empty syscall hooks attached (the floor), and recorded by ebpf (bench/ebpf-nginx.mjs).
// Writes the "ebpf tracer" section of bench/RESULTS.md and bench/ebpf-results.json. Run as root after the build:
// npm run bench:ebpf (or node bench/ebpf.mjs [--quick]).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from './results-section.mjs';
import { nginxBench } from './ebpf-nginx.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'tracewall');
const loader = path.join(root, 'dist', 'ebpf', 'tracewall-ebpf');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-bench-ebpf-'));
const dd = (n) => ['/usr/bin/time', '-f', 'TIME %U %S', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`];
const record = (argv) => [
  process.execPath,
  bin,
  'record',
  '--tracer',
  'ebpf',
  '-o',
  path.join(work, 'r.json'),
  '--',
  ...argv,
];

const log = (s) => process.stdout.write(s + '\n');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * dd's own CPU time (user + system, from /usr/bin/time around it): what the tracer's programs cost the workload, which
 * run in its context, and unlike elapsed time not inflated by other work waiting for the same 2 cores.
 */
function ddOwnSeconds(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  const m = /^TIME ([\d.]+) ([\d.]+)$/m.exec(r.stderr);
  if (!m) throw new Error(`no time printed: ${r.stderr}`);
  return Math.round((Number(m[1]) + Number(m[2])) * 100) / 100;
}

function wallSeconds(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The loaders running now (children of a tracewall this script started). */
function loaders() {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readlinkSync(`/proc/${p}/exe`) === loader;
      } catch {
        return false;
      }
    });
}

/** Run `argv` (a tracewall record) and sample its loader's VmRSS every 10 ms; the peak in MiB. */
async function loaderPeakMiB(argv) {
  const before = new Set(loaders());
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  const done = new Promise((r) => child.once('exit', r));
  let peak = 0;
  let ended = false;
  void done.then(() => (ended = true));
  while (!ended) {
    for (const p of loaders().filter((x) => !before.has(x))) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return peak;
}

/** dd untraced while `tracewall record --tracer ebpf -- sleep 600` records another process. */
async function whileRecordingOther(n) {
  const other = spawn(
    process.execPath,
    [bin, 'record', '--tracer', 'ebpf', '-o', path.join(work, 'o.json'), '--', 'sleep', '600'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const gone = new Promise((r) => other.once('exit', r));
  other.stderr.resume();
  // the loader is up, and READY (it marks the workload within milliseconds of starting)
  while (loaders().length === 0) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 500));
  try {
    return ddOwnSeconds(dd(n));
  } finally {
    other.kill('SIGINT');
    await gone;
  }
}

async function main() {
  const load = os.loadavg()[0].toFixed(1);
  if (process.getuid?.() !== 0) throw new Error('bench/ebpf.mjs needs root (the ebpf tracer does)');
  if (!fs.existsSync(loader)) throw new Error(`${loader} is missing: run scripts/build-ebpf.sh (bootstrap does)`);
  const n = 2_000_000;
  const own = { untraced: [], ebpf: [], other: [] };
  const trueWall = [];
  log(`dd bs=1 count=${n}, ${ROUNDS} rounds alternated`);
  for (let i = 0; i < ROUNDS; i++) {
    own.untraced.push(ddOwnSeconds(dd(n)));
    own.ebpf.push(ddOwnSeconds(record(dd(n))));
    own.other.push(await whileRecordingOther(n));
    trueWall.push(wallSeconds(record(['/bin/true'])));
    log(
      `  round ${i + 1}: untraced ${own.untraced[i]} s, ebpf ${own.ebpf[i]} s, another recorded ${own.other[i]} s; /bin/true ${trueWall[i].toFixed(3)} s`,
    );
  }
  const server = await nginxBench({ root, bin, work, rounds: quick ? 3 : 9, seconds: 3 });
  log(`nginx requests/s: ${JSON.stringify(server)}`);
  const rss = { calls100k: await loaderPeakMiB(record(dd(50_000))), calls1m: await loaderPeakMiB(record(dd(500_000))) };
  const r = {
    when: new Date().toISOString(),
    machine: { kernel: os.release(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '' },
    rounds: ROUNDS,
    load,
    ddOwnSeconds: { untraced: median(own.untraced), ebpf: median(own.ebpf), otherRecorded: median(own.other) },
    trueWallSeconds: median(trueWall),
    loaderPeakRssMiB: rss,
    nginx: server,
    // every round, to see the spread (this 2-core VM is shared with other work)
    samples: { ddOwnSeconds: own, trueWallSeconds: trueWall.map((x) => Math.round(x * 1000) / 1000) },
  };
  fs.writeFileSync(path.join(root, 'bench', 'ebpf-results.json'), JSON.stringify(r, null, 2) + '\n');
  const md = markdown(r);
  writeResultsSection(root, 'ebpf tracer', md);
  log(md);
}

/** The nginx rows: requests/s and the server's CPU per request, each against untraced. */
function nginxRows(n) {
  if (n.skipped) return [`| nginx under wrk | skipped: ${n.skipped} | |`];
  const u = n.untraced;
  const x = (s) => `**${s.median.toFixed(2)}x** (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  const row = (what, v, target) =>
    `| ${what} | ${v.rps.toFixed(0)} req/s, ${x(v.slower)} slower; ${v.cpuUsPerRequest.toFixed(1)} µs CPU per request, ${x(v.cpuRatio)} | ${target} |`;
  return [
    `| nginx (crun, 1 worker, CPU 0) under wrk -t1 -c8 (CPU 1), untraced; ${n.rounds} rounds, ratios paired by round (median, range) | ${u.rps.toFixed(0)} req/s; ${u.cpuUsPerRequest.toFixed(1)} µs CPU per request | |`,
    ...(n.floor
      ? [row("the same with empty programs on tp_btf sys_enter and sys_exit (the hooks' floor)", n.floor, '')]
      : [`| the hooks' floor | skipped: ${n.floorSkipped} | |`]),
    row('the same, recorded by `tracewall record --tracer ebpf --bundle`', n.ebpf, '1.1x'),
  ];
}

function markdown(r) {
  const d = r.ddOwnSeconds;
  const x = (a) => `${(a / d.untraced).toFixed(2)}x`;
  return [
    `## ebpf tracer (bench/ebpf.mjs)`,
    '',
    `Measured ${r.when} on ${r.machine.cpus} cores (${r.machine.cpu}), kernel ${r.machine.kernel}, load average ${r.load} at the start; medians of ${r.rounds} alternated rounds (every round in bench/ebpf-results.json).`,
    '',
    '| what | value | target |',
    '| --- | --: | --: |',
    `| dd bs=1 (4,000,000 calls), dd's own CPU time (user + sys) untraced | ${d.untraced.toFixed(3)} s | |`,
    `| the same, recorded by \`tracewall record --tracer ebpf\` | ${d.ebpf.toFixed(3)} s (**${x(d.ebpf)}**) | 1.5x |`,
    `| the same untraced, while another process is recorded | ${d.otherRecorded.toFixed(3)} s (**${x(d.otherRecorded)}**) | |`,
    `| \`tracewall record --tracer ebpf -- /bin/true\`, wall | **${r.trueWallSeconds.toFixed(3)} s** | 1.0 s |`,
    `| loader peak RSS, 100,000-call workload | **${r.loaderPeakRssMiB.calls100k.toFixed(1)} MiB** | 20 MiB |`,
    `| loader peak RSS, 1,000,000-call workload | ${r.loaderPeakRssMiB.calls1m.toFixed(1)} MiB | flat |`,
    ...nginxRows(r.nginx),
    '',
  ].join('\n');
}

try {
  await main();
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
