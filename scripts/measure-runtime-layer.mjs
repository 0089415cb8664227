#!/usr/bin/env node
// Measures the runtime layer of crun and runc on this machine: the syscalls a runtime makes after it installs the
// container's seccomp filter, up to and including the entrypoint's execve. Standalone (node + strace + busybox-static +
// the runtimes), needs root. Usage:
//   node scripts/measure-runtime-layer.mjs [--runtime crun|runc|all] [--runs 30] [--traces 6] [--log-runs 100]
//     [--stress-runs 400] [--parallel 4] [--json FILE]
//
// Method, per runtime and per noNewPrivileges value (true, false):
//   1. trace: run a busybox `/bin/true` container under `strace -f` a few times (every second one with all cores busy)
//      with a permissive filter installed (default allow, one unrelated rule), so the runtime takes its real
//      filter-install path. From each log take (a) the calls made by filtered threads after the filter was installed,
//      up to the entrypoint's execve = candidates, and (b) the entrypoint's calls from its execve on = application set.
//   2. discover: run untraced `--log-runs` times with default SCMP_ACT_LOG allowing (a)+(b), and read the kernel's
//      seccomp audit records (dmesg, type=1326) of the runtime's init process: timing-dependent calls that strace's
//      slow-down hides (a Go signal return, a sleep, a yield). They join the candidates. Run this script alone: other
//      containers with LOG profiles would add records. Then `--stress-runs` more, `--parallel` at a time with every core
//      busy, to shake out calls that only contention brings (a yield, a sleep).
//   3. enforce: allow-list profiles = application set + candidates, run untraced `--runs` times each with default
//      action SCMP_ACT_ERRNO (errno 1) and SCMP_ACT_KILL_PROCESS; all runs must succeed.
//   4. minimise: remove one candidate at a time and run `--runs` times again; a candidate whose removal breaks any run
//      under a default is proved required. The layer printed is every candidate seen plus every one proved required.
//   5. check: application set + layer under SCMP_ACT_KILL_PROCESS, `--stress-runs` runs in parallel under load.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const hogs = new Set(); // busy-loop children; killed on any exit, so none outlives the script
const liveContainers = new Map(); // id -> runtime, deleted on any exit
let work;
process.on('exit', () => {
  for (const h of hogs) h.kill('SIGKILL');
  for (const [id, runtime] of liveContainers) spawnSync(runtime, ['delete', '-f', id], { stdio: 'ignore' });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const opts = parseArgs(process.argv.slice(2));
const HYBRID_UNIFIED = '/sys/fs/cgroup/unified';

if (process.getuid?.() !== 0) die('measure-runtime-layer needs root (it runs containers)');
for (const tool of ['strace', '/bin/busybox'])
  if (!which(tool)) die(`missing ${tool}: apt-get install ${tool === 'strace' ? 'strace' : 'busybox-static'}`);

work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-measure-'));
const rootfs = makeRootfs(path.join(work, 'rootfs'));
const results = {};
let seq = 0;
try {
  const runtimes = opts.runtime === 'all' ? ['crun', 'runc'] : [opts.runtime];
  for (const runtime of runtimes) {
    if (!which(runtime)) {
      log(`skip ${runtime}: not installed (apt-get install ${runtime})`);
      continue;
    }
    const version = runtimeVersion(runtime);
    results[runtime] = { version, cgroupLayout: cgroupLayout(), variants: {} };
    for (const nnp of [true, false]) {
      log(`\n=== ${runtime} ${version}, noNewPrivileges=${nnp} ===`);
      results[runtime].variants[`nnp=${nnp}`] = await measure(runtime, nnp);
    }
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
log('\n=== measured runtime layers ===');
for (const [runtime, r] of Object.entries(results)) {
  for (const [variant, v] of Object.entries(r.variants)) {
    log(
      `${runtime} ${r.version} ${variant}: ${v.layer.join(' ')}  (kill-default stress check ${v.stressCheck.ok}/${v.stressCheck.runs})`,
    );
  }
}
const text = JSON.stringify(results, null, 2);
if (opts.json) fs.writeFileSync(opts.json, text + '\n');
console.log(text);

/** One runtime, one noNewPrivileges value: trace, discover under SCMP_ACT_LOG, enforce, minimise. */
async function measure(runtime, nnp) {
  const seen = new Map(); // syscall -> how it was seen after the filter: traced runs, LOG records
  const note = (s, how) => {
    const e = seen.get(s) ?? { traced: 0, logged: 0, stressed: 0 };
    e[how]++;
    seen.set(s, e);
  };
  const app = new Set();
  for (let i = 0; i < opts.traces; i++) {
    const t = withLoad(i % 2 === 1, () => traceOnce(runtime, nnp));
    for (const s of t.layer) note(s, 'traced');
    for (const s of t.app) app.add(s);
  }
  const traced = [...seen.keys()].sort();
  log(
    `traced ${opts.traces}x (every second one with ${os.cpus().length} busy loops): ${traced.map((s) => `${s}(${seen.get(s).traced})`).join(' ')}`,
  );
  log(`entrypoint /bin/true needs: ${[...app].sort().join(' ')}`);

  // Timing-dependent calls (Go's signal returns, sleeps, yields) are rare under strace: run untraced with a LOG default
  // that allows everything seen so far, and read the kernel's seccomp audit records of the runtime's init process.
  const logged = logDiscovery(runtime, nnp, [...new Set([...app, ...traced])]);
  for (const [s, n] of logged) for (let i = 0; i < n; i++) note(s, 'logged');
  log(
    `SCMP_ACT_LOG discovery, ${opts.logRuns} untraced runs (half under load): ${[...logged].map(([s, n]) => `${s}(${n} runs)`).join(' ') || 'nothing beyond the traced set'}`,
  );
  const stressed = await stressDiscovery(runtime, nnp, [...new Set([...app, ...traced])]);
  for (const [s, n] of stressed) for (let i = 0; i < n; i++) note(s, 'stressed');
  log(
    `SCMP_ACT_LOG under stress, ${opts.stressRuns} runs ${opts.parallel} at a time with every core busy: ${[...stressed].map(([s, n]) => `${s}(${n} records)`).join(' ') || 'nothing beyond the traced set'}`,
  );

  const candidates = [...seen.keys()].sort();
  const overlap = candidates.filter((s) => app.has(s) && s !== 'execve');
  if (overlap.length) log(`note: also used by the entrypoint, so their removal cannot be tested: ${overlap.join(' ')}`);

  const out = {
    tracedRuns: opts.traces,
    logRuns: opts.logRuns,
    stressRuns: opts.stressRuns,
    parallel: opts.parallel,
    seenAfterFilter: Object.fromEntries([...seen].sort()),
    entrypointSyscalls: [...app].sort(),
    perDefault: {},
  };
  const everything = [...new Set([...app, ...candidates])];
  for (const defaultAction of ['SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS']) {
    const full = batch(runtime, nnp, defaultAction, everything);
    log(
      `${defaultAction}: app + all candidates: ${full.ok}/${opts.runs} ok${full.firstError ? ` (first failure: ${full.firstError})` : ''}`,
    );
    const required = [];
    const removals = {};
    for (const s of candidates) {
      if (app.has(s) && s !== 'execve') continue;
      const r = batch(
        runtime,
        nnp,
        defaultAction,
        everything.filter((x) => x !== s),
      );
      removals[s] = { ok: r.ok, runs: opts.runs, ...(r.firstError ? { firstError: r.firstError } : {}) };
      if (r.ok < opts.runs) required.push(s);
      log(
        `  without ${s.padEnd(15)} ${String(r.ok).padStart(3)}/${opts.runs} ok${r.firstError ? `  e.g. ${r.firstError}` : ''}`,
      );
    }
    const minimal = batch(runtime, nnp, defaultAction, [...new Set([...app, ...required, 'execve'])]);
    log(
      `${defaultAction}: app + only the calls whose removal broke a run (${required.join(' ')}): ${minimal.ok}/${opts.runs} ok${minimal.firstError ? ` (first failure: ${minimal.firstError})` : ''}`,
    );
    out.perDefault[defaultAction] = {
      allCandidates: { ok: full.ok, runs: opts.runs },
      removals,
      required,
      requiredOnly: { ok: minimal.ok, runs: opts.runs },
    };
  }
  // The layer to render: every call seen after the filter (timing-dependent ones included, because a profile must not
  // depend on luck) and every call some removal proved necessary under either default.
  const proved = new Set(['execve']);
  for (const d of Object.values(out.perDefault)) for (const s of d.required) proved.add(s);
  out.provedRequired = [...proved].sort();
  out.layer = [...new Set([...proved, ...candidates])].sort();
  log(`layer: ${out.layer.join(' ')}`);
  // Final check: the layer alone (plus the entrypoint's calls) under a kill default, stressed.
  const check = await stressRuns(
    runtime,
    nnp,
    profile('SCMP_ACT_KILL_PROCESS', [...new Set([...app, ...out.layer])]),
    opts.stressRuns,
  );
  out.stressCheck = {
    defaultAction: 'SCMP_ACT_KILL_PROCESS',
    ok: check.ok,
    runs: opts.stressRuns,
    parallel: opts.parallel,
  };
  log(
    `final check, SCMP_ACT_KILL_PROCESS with app + layer, ${opts.stressRuns} runs ${opts.parallel} at a time under load: ${check.ok}/${opts.stressRuns} ok`,
  );
  return out;
}

/** Untraced runs under a LOG default allowing `allow`; the runtime's init calls outside it, with how many runs made each. */
function logDiscovery(runtime, nnp, allow) {
  const seccomp = {
    defaultAction: 'SCMP_ACT_LOG',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...allow].sort(), action: 'SCMP_ACT_ALLOW' }],
  };
  const names = syscallNames();
  const counts = new Map();
  const comm = runtime === 'crun' ? /^crun$/ : /^runc:/;
  for (let i = 0; i < opts.logRuns; i++) {
    const before = lastAuditSerial();
    const r = withLoad(i % 2 === 1, () => runContainer(runtime, nnp, seccomp, false));
    if (r.status !== 0) log(`  LOG run failed: ${describe(r)}`);
    const inRun = new Set();
    for (const rec of auditRecords(before))
      if (comm.test(rec.comm)) inRun.add(names.get(rec.syscall) ?? `#${rec.syscall}`);
    for (const s of inRun) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return new Map([...counts].sort());
}

/** Many untraced LOG runs in parallel with every core busy; the runtime's init calls outside `allow`, with record counts. */
async function stressDiscovery(runtime, nnp, allow) {
  const seccomp = {
    defaultAction: 'SCMP_ACT_LOG',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...allow].sort(), action: 'SCMP_ACT_ALLOW' }],
  };
  const names = syscallNames();
  const comm = runtime === 'crun' ? /^crun$/ : /^runc:/;
  const before = lastAuditSerial();
  const { ok } = await stressRuns(runtime, nnp, seccomp, opts.stressRuns);
  if (ok < opts.stressRuns) log(`  ${opts.stressRuns - ok} stress runs failed`);
  const counts = new Map();
  for (const rec of auditRecords(before)) {
    if (!comm.test(rec.comm)) continue;
    const s = names.get(rec.syscall) ?? `#${rec.syscall}`;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return new Map([...counts].sort());
}

/** `runs` untraced runs, `--parallel` at a time, with every core busy; how many exited 0. */
async function stressRuns(runtime, nnp, seccomp, runs) {
  const mine = startHogs();
  let next = 0;
  let ok = 0;
  try {
    const worker = async () => {
      while (next < runs) {
        next++;
        const r = await runContainerAsync(runtime, nnp, seccomp);
        if (r.status === 0 && !r.signal) ok++;
      }
    };
    await Promise.all(Array.from({ length: opts.parallel }, worker));
  } finally {
    stopHogs(mine);
  }
  return { ok };
}

/** Seccomp audit records (type 1326) in the kernel log with a serial above `after`. */
function auditRecords(after) {
  const out = [];
  for (const line of dmesgLines()) {
    const m = /type=1326 audit\([\d.]+:(\d+)\):.* comm="([^"]*)".* syscall=(\d+)/.exec(line);
    if (m && Number(m[1]) > after) out.push({ serial: Number(m[1]), comm: m[2], syscall: Number(m[3]) });
  }
  return out;
}

function lastAuditSerial() {
  let max = 0;
  for (const line of dmesgLines()) {
    const m = /audit\([\d.]+:(\d+)\)/.exec(line);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

function dmesgLines() {
  return (spawnSync('dmesg', [], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout ?? '').split('\n');
}

/** x86_64 syscall numbers to names, from the kernel headers (same source as scripts/gen-syscalls.mjs). */
function syscallNames() {
  const map = new Map();
  const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  if (!fs.existsSync(header)) die(`missing ${header}: apt-get install linux-libc-dev`);
  for (const m of fs.readFileSync(header, 'utf8').matchAll(/#define __NR_(\w+)\s+(\d+)/g)) map.set(Number(m[2]), m[1]);
  return map;
}

/** Run `fn` while every core spins (busy loops in child shells), to shake out timing-dependent calls. */
function withLoad(load, fn) {
  if (!load) return fn();
  const mine = startHogs();
  try {
    return fn();
  } finally {
    stopHogs(mine);
  }
}

/** One busy loop per core. */
function startHogs() {
  const mine = os.cpus().map(() => spawn('/bin/busybox', ['sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }));
  for (const h of mine) hogs.add(h);
  return mine;
}

function stopHogs(mine) {
  for (const h of mine) {
    h.kill('SIGKILL');
    hogs.delete(h);
  }
}

/** Run `runs` untraced containers with an allow-list profile; count successes. */
function batch(runtime, nnp, defaultAction, allow) {
  const seccomp = profile(defaultAction, allow);
  let ok = 0;
  let firstError;
  for (let i = 0; i < opts.runs; i++) {
    const r = runContainer(runtime, nnp, seccomp, false);
    if (r.status === 0 && !r.signal) ok++;
    else firstError ??= describe(r);
  }
  return { ok, firstError };
}

/** How a failed run ended, in one line. */
function describe(r) {
  const why = r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
  const msg = `${r.stderr}`.trim().split('\n').filter(Boolean).pop() ?? '';
  return `${why}${msg ? `: ${msg.slice(0, 160)}` : ''}`;
}

/** A plain OCI seccomp allow-list. */
function profile(defaultAction, allow) {
  return {
    defaultAction,
    ...(defaultAction === 'SCMP_ACT_ERRNO' ? { defaultErrnoRet: 1 } : {}),
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: [...allow].sort(), action: 'SCMP_ACT_ALLOW' }],
  };
}

/** One traced run with a permissive filter; returns the post-filter runtime calls and the entrypoint's calls. */
function traceOnce(runtime, nnp) {
  const seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['acct'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  };
  const logFile = path.join(work, `trace-${seq + 1}.log`);
  const r = runContainer(runtime, nnp, seccomp, logFile);
  if (r.status !== 0) die(`traced ${runtime} run failed: ${describe(r)}`);
  return analyseTrace(fs.readFileSync(logFile, 'utf8'));
}

/** Follow filtered threads through an strace -f log. */
function analyseTrace(text) {
  const filtered = new Set();
  const pending = new Map(); // tid -> unfinished call text
  const layer = new Set();
  const app = new Set();
  const appTids = new Set();
  for (const raw of text.split('\n')) {
    const m = /^(\d+)\s+[\d.]+\s+(.*)$/.exec(raw);
    if (!m) continue;
    const tid = Number(m[1]);
    let rest = m[2];
    if (rest.startsWith('---') || rest.startsWith('+++')) continue;
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(rest);
    if (resumed) {
      const head = pending.get(tid);
      pending.delete(tid);
      if (!head) continue;
      rest = head + resumed[2];
    } else if (rest.endsWith('<unfinished ...>')) {
      pending.set(tid, rest.slice(0, -'<unfinished ...>'.length));
      // a clone/execve that has not returned yet still counts for its caller now
    }
    const call = /^(\w+)\(/.exec(rest);
    if (!call) continue;
    const name = call[1];
    const done = !rest.endsWith('<unfinished ...>');
    const ret = done ? /\)\s+=\s+(-?\d+|\?)/.exec(rest)?.[1] : undefined;
    if (appTids.has(tid)) {
      app.add(name);
      if (/^(clone|clone3|fork|vfork)$/.test(name) && ret && Number(ret) > 0) appTids.add(hostPid(rest, ret));
      continue;
    }
    if (filtered.has(tid)) {
      // the unfinished half of execve is counted once: on its first line
      if (!resumed) layer.add(name);
      if (name === 'execve' && done && ret === '0') {
        appTids.add(tid);
        filtered.delete(tid);
        app.add('execve');
      }
      if (/^(clone|clone3)$/.test(name) && done && ret && Number(ret) > 0) filtered.add(hostPid(rest, ret));
      continue;
    }
    if (
      done &&
      ret === '0' &&
      (/^seccomp\(SECCOMP_SET_MODE_FILTER/.test(rest) || /^prctl\(PR_SET_SECCOMP, SECCOMP_MODE_FILTER/.test(rest))
    ) {
      filtered.add(tid);
      if (rest.includes('TSYNC'))
        log('warning: filter installed with TSYNC; threads other than the installer are not followed');
    }
  }
  return { layer, app };
}

/** The host pid a clone returned (strace --decode-pids=pidns prints the host pid in a comment after the namespaced one). */
function hostPid(rest, ret) {
  const m = /=\s+\d+ \/\* (\d+) in strace's PID NS \*\//.exec(rest);
  return Number(m ? m[1] : ret);
}

/** Run the busybox /bin/true container once (optionally under strace), always deleting its state. */
function runContainer(runtime, nnp, seccomp, straceLog) {
  const id = `tw-measure-${process.pid}-${++seq}`;
  const dir = path.join(work, `bundle-${seq}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config(nnp, seccomp)));
  let argv = runtimeArgv(runtime, dir, id);
  if (straceLog)
    argv = ['strace', '-f', '--decode-pids=pidns', '-yy', '-ttt', '-s', '256', '-o', straceLog, '--', ...argv];
  liveContainers.set(id, runtime);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  spawnSync(runtime, ['delete', '-f', id], { encoding: 'utf8' });
  liveContainers.delete(id);
  fs.rmSync(dir, { recursive: true, force: true });
  return r;
}

/** runContainer without tracing, asynchronously, for parallel runs. */
function runContainerAsync(runtime, nnp, seccomp) {
  const id = `tw-measure-${process.pid}-${++seq}`;
  const dir = path.join(work, `bundle-${seq}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config(nnp, seccomp)));
  const argv = runtimeArgv(runtime, dir, id);
  liveContainers.set(id, runtime);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      spawnSync(runtime, ['delete', '-f', id], { stdio: 'ignore' });
      liveContainers.delete(id);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ status, signal });
    });
  });
}

/** The foreground command line; crun in a private mount namespace without the cgroup2 mount on a hybrid layout. */
function runtimeArgv(runtime, dir, id) {
  const run = [runtime, 'run', '--bundle', dir, id];
  if (runtime === 'crun' && cgroupLayout() === 'hybrid') {
    return [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      `umount -l ${HYBRID_UNIFIED} && exec "$@"`,
      'sh',
      ...run,
    ];
  }
  return run;
}

/** 'v2', 'hybrid' or 'v1', from the mounts at and under /sys/fs/cgroup. */
function cgroupLayout() {
  const lines = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  let v1 = false;
  let v2Root = false;
  let v2Below = false;
  for (const line of lines) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const mountPoint = pre.split(' ')[4];
    const fstype = post.split(' ')[0];
    if (!mountPoint?.startsWith('/sys/fs/cgroup')) continue;
    if (fstype === 'cgroup2') {
      if (mountPoint === '/sys/fs/cgroup') v2Root = true;
      else v2Below = true;
    }
    if (fstype === 'cgroup') v1 = true;
  }
  if (v2Root) return 'v2';
  return v2Below && v1 ? 'hybrid' : v1 ? 'v1' : 'v2';
}

/** A runc-spec-like config running busybox /bin/true. */
function config(nnp, seccomp) {
  const caps = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/bin/true'],
      env: ['PATH=/bin'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: nnp,
    },
    root: { path: rootfs, readonly: true },
    hostname: 'measure',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      seccomp,
    },
  };
}

/** busybox-static with the applets the measurement uses. */
function makeRootfs(dir) {
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin', 'busybox'));
  fs.chmodSync(path.join(dir, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'true']) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  return dir;
}

function runtimeVersion(runtime) {
  const out = spawnSync(runtime, ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /version\s+(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? 'unknown';
}

function which(tool) {
  if (tool.startsWith('/')) return fs.existsSync(tool);
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

function parseArgs(argv) {
  const o = { runtime: 'all', runs: 30, traces: 6, logRuns: 100, stressRuns: 400, parallel: 4, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--runtime' && ['crun', 'runc', 'all'].includes(v)) {
      o.runtime = v;
      i++;
    } else if (a === '--runs' && Number(v) > 0) {
      o.runs = Number(v);
      i++;
    } else if (a === '--traces' && Number(v) > 0) {
      o.traces = Number(v);
      i++;
    } else if (a === '--log-runs' && Number(v) >= 0) {
      o.logRuns = Number(v);
      i++;
    } else if (a === '--stress-runs' && Number(v) >= 0) {
      o.stressRuns = Number(v);
      i++;
    } else if (a === '--parallel' && Number(v) > 0) {
      o.parallel = Number(v);
      i++;
    } else if (a === '--json' && v) {
      o.json = v;
      i++;
    } else
      die(
        `bad argument "${a}${v !== undefined ? ' ' + v : ''}": expected --runtime crun|runc|all, --runs N, --traces N, --log-runs N, --stress-runs N, --parallel N, --json FILE`,
      );
  }
  return o;
}

function log(msg) {
  process.stderr.write(msg + '\n');
}
function die(msg) {
  log(`measure-runtime-layer: ${msg}`);
  process.exit(2);
}
