#!/usr/bin/env node
// tracewall benchmarks, measured side by side in one run and reported as ratios (never asserted in tests):
//  1. a syscall-heavy microbenchmark (dd bs=1): untraced, bare `strace -f -o FILE`, tracewall with strace, tracewall with bpftrace;
//  2. a real server under load (nginx in a crun container, wrk over loopback, bounded in time): the same four;
//  3. strace-log parsing throughput (MB/s, with `wc -l` on the same file as the floor) and peak memory as the log grows 10x and 100x.
// Writes bench/results.json and bench/RESULTS.md. Run: npm run bench (as root: containers and bpftrace need it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitPort } from './wait-port.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'tracewall');
const dist = (p) => path.join(root, 'dist', p);
const quick = process.argv.includes('--quick');
const REPEAT = quick ? 1 : 3;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-bench-'));
const results = {
  when: new Date().toISOString(),
  machine: {
    kernel: os.release(),
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
  },
  quick,
};

function log(s) {
  process.stdout.write(s + '\n');
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function timeRun(argv, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', opts.stderr ?? 'ignore'], ...opts });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}`);
  return s;
}
function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
/** Run `fn` while bench/floor.bt (empty programs on the raw syscall tracepoints) is attached system-wide. */
async function withFloor(fn) {
  const bt = spawn('bpftrace', ['--no-warnings', '-B', 'line', path.join(root, 'bench', 'floor.bt')], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  await new Promise((resolve, reject) => {
    let out = '';
    bt.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY')) resolve();
    });
    bt.once('exit', () => reject(new Error('bench/floor.bt did not attach')));
  });
  try {
    return await fn();
  } finally {
    const gone = new Promise((r) => bt.once('exit', r));
    bt.kill('SIGINT');
    await gone;
  }
}

/** dd's own elapsed time, from the "copied, X s" line it prints (the workload alone, without a tracer's startup). */
function ddOwnSeconds(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  const m = /copied, ([\d.]+) s/.exec(r.stderr);
  if (!m) throw new Error(`dd printed no time: ${r.stderr}`);
  return Number(m[1]);
}

/** Whether this tracewall can record with bpftrace here (the flag exists and the tracer attaches). */
function bpftraceUsable() {
  if (!has('bpftrace')) return 'bpftrace is not installed';
  const r = spawnSync(
    process.execPath,
    [bin, 'record', '--tracer', 'bpftrace', '-o', path.join(work, 'probe.json'), '--', '/bin/true'],
    { encoding: 'utf8' },
  );
  return r.status === 0
    ? undefined
    : `tracewall record --tracer bpftrace failed here: ${(r.stderr || '').trim().split('\n').pop()}`;
}

// ---- 1. microbenchmark -------------------------------------------------------------------------------------------
async function micro(bpfWhy) {
  // strace costs ~220 µs per syscall here, so the strace variants use fewer bytes than the bpftrace comparison.
  const small = quick ? 5000 : 50000;
  const large = quick ? 200000 : 2000000;
  const dd = (n) => ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', `count=${n}`];
  const rec = (tracer, n) => [
    process.execPath,
    bin,
    'record',
    '--tracer',
    tracer,
    '-o',
    path.join(work, `micro-${tracer}.json`),
    '--',
    ...dd(n),
  ];
  const rows = {};
  const measure = (label, argv) => {
    rows[label] = median(Array.from({ length: REPEAT }, () => timeRun(argv)));
    log(`  ${label}: ${rows[label].toFixed(3)} s`);
  };
  log(`micro: dd bs=1 count=${small} (${2 * small} syscalls) for the strace comparison, count=${large} for bpftrace`);
  measure('untraced (small)', dd(small));
  measure('bare strace -f -o FILE (small)', ['strace', '-f', '-o', path.join(work, 'bare.log'), ...dd(small)]);
  measure('tracewall strace (small)', rec('strace', small));
  measure('untraced (large)', dd(large));
  if (!bpfWhy) measure("tracewall bpftrace (large), total with bpftrace's startup", rec('bpftrace', large));
  // dd's own time: what the tracer costs the workload while it runs, side by side with the floor
  const own = {};
  const measureOwn = (label, argv) => {
    own[label] = median(Array.from({ length: REPEAT }, () => ddOwnSeconds(argv)));
    log(`  ${label} (dd's own time): ${own[label].toFixed(3)} s`);
  };
  measureOwn('untraced (large)', dd(large));
  if (!bpfWhy) {
    await withFloor(async () => measureOwn('floor: empty programs on raw_syscalls enter+exit (large)', dd(large)));
    measureOwn('tracewall bpftrace (large)', rec('bpftrace', large));
  }
  const floorKey = 'floor: empty programs on raw_syscalls enter+exit (large)';
  const out = {
    bytes: { small, large },
    seconds: rows,
    ddOwnSeconds: own,
    ratios: {
      tracewallStraceVsBareStrace: rows['tracewall strace (small)'] / rows['bare strace -f -o FILE (small)'],
      bareStraceVsUntraced: rows['bare strace -f -o FILE (small)'] / rows['untraced (small)'],
      ...(bpfWhy
        ? {}
        : {
            tracewallBpftraceVsUntraced: own['tracewall bpftrace (large)'] / own['untraced (large)'],
            floorVsUntraced: own[floorKey] / own['untraced (large)'],
            tracewallBpftraceVsFloor: own['tracewall bpftrace (large)'] / own[floorKey],
            tracewallBpftraceTotalVsUntraced:
              rows["tracewall bpftrace (large), total with bpftrace's startup"] / rows['untraced (large)'],
          }),
    },
    ...(bpfWhy ? { bpftraceSkipped: bpfWhy } : {}),
  };
  return out;
}

// ---- 2. server under load --------------------------------------------------------------------------------------------
// The server side runs on CPU 0 and wrk on CPU 1, for every variant alike: on this 2-core VM an unpinned run swings
// by up to 3x with where the scheduler puts things, which no ratio survives.
const pin = (cpu, argv) => (has('taskset') ? ['taskset', '-c', String(cpu), ...argv] : argv);
function wrk(port, seconds) {
  const [cmd, ...args] = pin(1, ['wrk', '-t1', '-c8', `-d${seconds}s`, `http://127.0.0.1:${port}/`]);
  const out = execFileSync(cmd, args, { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk printed no rate:\n${out}`);
  return Number(m[1]);
}
async function server(bpfWhy) {
  if (!has('wrk')) return { skipped: 'wrk is not installed (apt-get install wrk)' };
  if (!has('nginx') || !has('crun')) return { skipped: 'nginx and crun are needed (npm test bootstraps them)' };
  const { makeNginxBundle } = await import(dist('examples/bundles.js'));
  const { runtimeCommand } = await import(dist('trace/bundle.js'));
  const seconds = quick ? 2 : 5;
  const rows = {};
  const variants = [
    ['untraced', (argv) => argv],
    ...(bpfWhy ? [] : [['floor: empty bpftrace programs on raw_syscalls enter+exit', (argv) => argv, true]]),
    ['bare strace -f -o FILE', (argv) => ['strace', '-f', '-o', path.join(work, 'srv-bare.log'), ...argv]],
    ['tracewall strace', null],
    ...(bpfWhy ? [] : [['tracewall bpftrace', null]]),
  ];
  let n = 0;
  for (const [label, wrap, floor] of variants) {
    const rates = [];
    for (let i = 0; i < REPEAT; i++) {
      const port = 19000 + n++;
      const dir = path.join(work, `nginx-${port}`);
      makeNginxBundle(dir, { port });
      let argv;
      let cleanup = async () => {};
      if (wrap) {
        const cmd = runtimeCommand(dir, 'crun', { id: `tw-bench-${process.pid}-${port}` });
        argv = wrap(cmd.argv);
        cleanup = cmd.cleanup;
      } else {
        const tracer = label.endsWith('bpftrace') ? 'bpftrace' : 'strace';
        argv = [
          process.execPath,
          bin,
          'record',
          '--tracer',
          tracer,
          '--bundle',
          dir,
          '--runtime',
          'crun',
          '-o',
          path.join(dir, 'rec.json'),
        ];
      }
      const pinned = pin(0, argv);
      const child = spawn(pinned[0], pinned.slice(1), { stdio: 'ignore' });
      try {
        await waitPort(port, 30000);
        wrk(port, 1); // warm-up
        rates.push(floor ? await withFloor(async () => wrk(port, seconds)) : wrk(port, seconds));
      } finally {
        // strace -o does not pass fatal signals on, so stop what it runs (the runtime forwards to nginx), as tracewall does.
        if (label.startsWith('bare strace')) spawnSync('pkill', ['-TERM', '-P', String(child.pid)]);
        else child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        await cleanup();
      }
    }
    rows[label] = median(rates);
    log(`  ${label}: ${rows[label].toFixed(0)} requests/s`);
  }
  const base = rows.untraced;
  return {
    load: `wrk -t1 -c8 -d${seconds}s over loopback (on CPU 1), nginx 1 worker in a crun container (host network) with its tracer (on CPU 0)`,
    requestsPerSecond: rows,
    slowdown: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, base / v])),
    ratios: {
      tracewallStraceVsBareStrace: rows['bare strace -f -o FILE'] / rows['tracewall strace'],
      ...(bpfWhy
        ? {}
        : {
            tracewallBpftraceVsUntraced: base / rows['tracewall bpftrace'],
            floorVsUntraced: base / rows['floor: empty bpftrace programs on raw_syscalls enter+exit'],
            tracewallBpftraceVsFloor:
              rows['floor: empty bpftrace programs on raw_syscalls enter+exit'] / rows['tracewall bpftrace'],
          }),
    },
    ...(bpfWhy ? { bpftraceSkipped: bpfWhy } : {}),
  };
}

// ---- 3. parsing ------------------------------------------------------------------------------------------------------
function parsing() {
  // A real log of a busy shell, repeated to grow it 10x and 100x.
  const seed = path.join(work, 'seed.log');
  const { straceArgsFile } = { straceArgsFile: seed };
  const args = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(dist('trace/strace.js'))}).then(m => console.log(JSON.stringify(m.straceArgs(${JSON.stringify(straceArgsFile)}))))`,
      ],
      { encoding: 'utf8' },
    ),
  );
  const loops = quick ? 3 : 8;
  execFileSync(
    'strace',
    [
      ...args,
      '--',
      'sh',
      '-c',
      `for i in $(seq ${loops}); do cat /etc/passwd >/dev/null; ls -la /usr/bin >/dev/null; done`,
    ],
    { stdio: 'ignore' },
  );
  const seedText = fs.readFileSync(seed);
  const baseBytes = quick ? 2 << 20 : 4 << 20;
  const base = Buffer.concat(
    Array.from({ length: Math.max(1, Math.round(baseBytes / seedText.length)) }, () => seedText),
  );
  const sizes = [1, 10, 100];
  const rows = [];
  for (const k of sizes) {
    const file = path.join(work, `log-${k}x.log`);
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < k; i++) fs.writeSync(fd, base);
    fs.closeSync(fd);
    const mb = fs.statSync(file).size / 1e6;
    const script = `
      const { recordingFromStraceChunks } = await import(${JSON.stringify(dist('analyze/from-strace.js'))});
      const { fileChunks } = await import(${JSON.stringify(dist('util/chunks.js'))});
      const t0 = process.hrtime.bigint();
      const r = recordingFromStraceChunks(fileChunks(${JSON.stringify(file)}), { name: 'bench', toolVersion: '0', tracerVersion: '0', kernel: '', target: { kind: 'log', file: 'x' }, initialCwd: '/', initialUid: 0, initialGid: 0 });
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(JSON.stringify({ s, maxRssMiB: process.resourceUsage().maxRSS / 1024, syscalls: Object.keys(r.syscalls.x86_64 ?? {}).length }));`;
    const parsed = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    );
    const wc = median(Array.from({ length: REPEAT }, () => timeRun(['wc', '-l', file])));
    rows.push({
      size: `${k}x`,
      megabytes: mb,
      parseSeconds: parsed.s,
      parseMBps: mb / parsed.s,
      wcSeconds: wc,
      wcMBps: mb / wc,
      maxRssMiB: parsed.maxRssMiB,
    });
    log(
      `  ${k}x: ${mb.toFixed(1)} MB parsed at ${(mb / parsed.s).toFixed(0)} MB/s (wc -l: ${(mb / wc).toFixed(0)} MB/s), peak RSS ${parsed.maxRssMiB.toFixed(0)} MiB`,
    );
    fs.rmSync(file);
  }
  return { rows, rssGrowth100x: rows[2].maxRssMiB / rows[0].maxRssMiB };
}

function markdown(r) {
  const f = (x, d = 2) => (x === undefined ? 'n/a' : x.toFixed(d));
  const lines = [
    `# tracewall benchmark results`,
    ``,
    `Measured ${r.when} on ${r.machine.cpus} cores (${r.machine.cpu}), kernel ${r.machine.kernel}${r.quick ? ' (quick run)' : ''}. Produced by \`npm run bench\`.`,
    ``,
    `## Syscall-heavy microbenchmark (dd bs=1)`,
    ``,
    `| run | seconds |`,
    `| --- | --: |`,
    ...Object.entries(r.micro.seconds).map(([k, v]) => `| ${k} | ${f(v, 3)} |`),
    ``,
    `- tracewall with strace vs bare strace: **${f(r.micro.ratios.tracewallStraceVsBareStrace)}x** (target 1.1x)`,
    `- bare strace vs untraced: ${f(r.micro.ratios.bareStraceVsUntraced, 0)}x`,
    ...(r.micro.bpftraceSkipped
      ? [`- bpftrace not measured: ${r.micro.bpftraceSkipped}`]
      : [
          ``,
          `dd's own time (what it prints; the workload while traced, without bpftrace's 2–3 s of compiling and attaching):`,
          ``,
          `| run | seconds |`,
          `| --- | --: |`,
          ...Object.entries(r.micro.ddOwnSeconds).map(([k, v]) => `| ${k} | ${f(v, 3)} |`),
          ``,
          `- tracewall with bpftrace vs untraced: **${f(r.micro.ratios.tracewallBpftraceVsUntraced)}x** (target 1.5x); with bpftrace's startup: ${f(r.micro.ratios.tracewallBpftraceTotalVsUntraced)}x`,
          `- the floor (empty programs on the same tracepoints) vs untraced: **${f(r.micro.ratios.floorVsUntraced)}x**; tracewall with bpftrace vs the floor: ${f(r.micro.ratios.tracewallBpftraceVsFloor)}x`,
        ]),
    ``,
    `## Server under load`,
    ``,
    ...(r.server.skipped
      ? [`Not measured: ${r.server.skipped}`]
      : [
          r.server.load,
          ``,
          `| run | requests/s | slowdown vs untraced |`,
          `| --- | --: | --: |`,
          ...Object.entries(r.server.requestsPerSecond).map(
            ([k, v]) => `| ${k} | ${f(v, 0)} | ${f(r.server.slowdown[k])}x |`,
          ),
          ``,
          `- tracewall with strace vs bare strace: **${f(r.server.ratios.tracewallStraceVsBareStrace)}x** (target 1.1x)`,
          `- tracewall with bpftrace vs untraced: **${f(r.server.ratios.tracewallBpftraceVsUntraced)}x** (target 1.1x)${r.server.bpftraceSkipped ? ` — not measured: ${r.server.bpftraceSkipped}` : ''}`,
          ...(r.server.bpftraceSkipped
            ? []
            : [
                `- the floor (empty programs on the same tracepoints, system-wide) vs untraced: **${f(r.server.ratios.floorVsUntraced)}x**; tracewall with bpftrace vs the floor: ${f(r.server.ratios.tracewallBpftraceVsFloor)}x`,
              ]),
        ]),
    ``,
    `## Parsing strace logs`,
    ``,
    `| log | MB | parse MB/s | wc -l MB/s | peak RSS MiB |`,
    `| --- | --: | --: | --: | --: |`,
    ...r.parsing.rows.map(
      (x) => `| ${x.size} | ${f(x.megabytes, 1)} | ${f(x.parseMBps, 0)} | ${f(x.wcMBps, 0)} | ${f(x.maxRssMiB, 0)} |`,
    ),
    ``,
    `Peak memory at 100x is ${f(r.parsing.rssGrowth100x)}x that at 1x (target: flat). Parsing target: 100 MB/s or more.`,
    ``,
  ];
  return lines.join('\n');
}

try {
  if (!fs.existsSync(dist('cli/main.js'))) throw new Error('dist/ is missing: run npm run build');
  const bpfWhy = process.getuid?.() === 0 ? bpftraceUsable() : 'bpftrace needs root';
  if (bpfWhy) log(`bpftrace: not measured: ${bpfWhy}`);
  results.micro = await micro(bpfWhy);
  log('server:');
  results.server = await server(bpfWhy);
  log('parsing:');
  results.parsing = parsing();
  fs.writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(root, 'bench', 'RESULTS.md'), markdown(results));
  log(`\nwrote bench/results.json and bench/RESULTS.md`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
