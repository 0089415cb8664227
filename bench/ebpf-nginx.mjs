// nginx (1 worker, crun, host network, on CPU 0) under wrk (on CPU 1), for bench/ebpf.mjs, alternated in rounds:
//  - untraced;
//  - the floor: untraced, with empty programs on tp_btf sys_enter and sys_exit attached (bench/floor/), which every
//    recorder that hooks the syscalls as tracewall's does pays before doing anything;
//  - recorded by `tracewall record --tracer ebpf --bundle`.
// Each gives requests/s and the server's own CPU time per request (the nginx worker's user + system time over the
// measured wrk run, from /proc). The rate swings with whatever else shares this 2-core VM; the CPU time per request is
// what the tracer adds to each request, and for a server kept busy by wrk it is what bounds its rate.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { waitPort } from './wait-port.mjs';

const pin = (cpu, argv) => ['taskset', '-c', String(cpu), ...argv];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** wrk's request count over `seconds`. */
function wrk(port, seconds) {
  const [cmd, ...args] = pin(1, ['wrk', '-t1', '-c8', `-d${seconds}s`, `http://127.0.0.1:${port}/`]);
  const m = /(\d+) requests in/.exec(execFileSync(cmd, args, { encoding: 'utf8' }));
  if (!m) throw new Error('wrk printed no request count');
  return Number(m[1]);
}

function stat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The nginx workers among the descendants of `root`. */
function workers(root) {
  const parent = new Map();
  for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const s = stat(p);
    if (s) parent.set(Number(p), Number(s[1]));
  }
  const under = (p) => {
    for (let q = p; q > 1; q = parent.get(q) ?? 0) if (q === root) return true;
    return false;
  };
  return [...parent.keys()].filter((p) => {
    if (!under(p)) return false;
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('nginx: worker');
    } catch {
      return false;
    }
  });
}

const cpuTicks = (pids) =>
  pids.reduce((sum, p) => {
    const s = stat(p);
    return s ? sum + Number(s[11]) + Number(s[12]) : sum;
  }, 0);

/** Builds the floor's program and its attacher into `work`: the attacher's path, or why it cannot. */
function buildFloor(root, work) {
  const src = path.join(root, 'bench', 'floor');
  const steps = [
    ['sh', ['-c', `bpftool btf dump file /sys/kernel/btf/vmlinux format c > ${work}/vmlinux.h`]],
    ['clang', ['-O2', '-g', '-target', 'bpf', `-I${work}`, '-c', `${src}/empty.bpf.c`, '-o', `${work}/empty.bpf.o`]],
    ['cc', ['-O2', `${src}/attach.c`, '-o', `${work}/floor-attach`, '-lbpf']],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `${cmd} failed: ${(r.stderr || r.error?.message || '').slice(0, 200)}` };
  }
  return { attach: path.join(work, 'floor-attach'), object: path.join(work, 'empty.bpf.o') };
}

async function startFloor(floor) {
  const child = spawn(floor.attach, [floor.object], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`the floor's attacher exited ${code}`)));
  });
  return async () => {
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
  };
}

/** One variant's round: requests/s and the worker's CPU µs per request. */
async function round(ctx, variant, port) {
  const dir = path.join(ctx.work, `nginx-${port}`);
  ctx.makeNginxBundle(dir, { port });
  const cmd = ctx.runtimeCommand(dir, 'crun', { id: `tw-bench-ebpf-${process.pid}-${port}` });
  const record = [process.execPath, ctx.bin, 'record', '--tracer', 'ebpf', '--bundle', dir, '--runtime', 'crun'];
  const argv = variant === 'ebpf' ? [...record, '-o', path.join(dir, 'r.json')] : cmd.argv;
  const stopFloor = variant === 'floor' ? await startFloor(ctx.floor) : undefined;
  const pinned = pin(0, argv);
  const child = spawn(pinned[0], pinned.slice(1), { stdio: 'ignore' });
  try {
    await waitPort(port, 30000);
    wrk(port, 1); // warm-up
    const w = workers(child.pid);
    if (w.length !== 1) throw new Error(`expected one nginx worker under ${child.pid}, found ${w.length}`);
    const before = cpuTicks(w);
    const requests = wrk(port, ctx.seconds);
    const ticks = cpuTicks(w) - before;
    return { rps: requests / ctx.seconds, cpuUsPerRequest: (ticks * TICK_US) / requests };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await cmd.cleanup();
    await stopFloor?.();
  }
}

/** The nginx comparison: medians of each variant over `rounds` alternated rounds, ratios paired by round, every sample. */
export async function nginxBench({ root, bin, work, rounds, seconds }) {
  for (const t of ['wrk', 'nginx', 'crun', 'taskset'])
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return { skipped: `${t} is not installed` };
  const { makeNginxBundle } = await import(path.join(root, 'dist', 'examples', 'bundles.js'));
  const { runtimeCommand } = await import(path.join(root, 'dist', 'trace', 'bundle.js'));
  const floor = buildFloor(root, work);
  const variants = floor.skipped ? ['untraced', 'ebpf'] : ['untraced', 'floor', 'ebpf'];
  const ctx = { root, bin, work, seconds, floor, makeNginxBundle, runtimeCommand };
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  let port = 19500;
  // the order turns each round, so no variant always runs first (or right after another one's end)
  for (let i = 0; i < rounds; i++)
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length];
      samples[v].push(await round(ctx, v, ++port));
    }
  // each round's ratio to the untraced run of the same round: the machine's swings between rounds cancel out
  const paired = (v, of) => samples[v].map((x, i) => of(x, samples.untraced[i]));
  const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  const summary = (v) => ({
    rps: median(samples[v].map((x) => x.rps)),
    cpuUsPerRequest: median(samples[v].map((x) => x.cpuUsPerRequest)),
    slower: spread(paired(v, (x, u) => u.rps / x.rps)),
    cpuRatio: spread(paired(v, (x, u) => x.cpuUsPerRequest / u.cpuUsPerRequest)),
  });
  return {
    rounds,
    ...Object.fromEntries(variants.map((v) => [v, summary(v)])),
    ...(floor.skipped ? { floorSkipped: floor.skipped } : {}),
    samples,
  };
}
