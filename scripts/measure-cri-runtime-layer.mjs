#!/usr/bin/env node
// Measures runc's runtime layer on containerd's path (CRI → containerd-shim-runc-v2 → `runc create` + `runc start`),
// with and without no_new_privs, against the layer tracewall renders (measured with `runc run`, src/render/runtime-layers.ts).
// Needs root, containerd, runc, podman, busybox-static, strace, and `npm run build` first (it uses dist/). Usage:
//   node scripts/measure-cri-runtime-layer.mjs [--runs 20] [--log-runs 40]
//
// Method, per no_new_privs value: a private containerd (everything in a temporary directory) runs a busybox `/bin/true`
// container in one host-network pod again and again, each with a Localhost seccomp profile allowing the application
// set (what busybox true calls from its execve on, from strace on the host) plus runc's rendered layer:
//   1. discover: default SCMP_ACT_LOG, `--log-runs` runs; the kernel's seccomp records (dmesg type=1326) of runc's init
//      ("runc:[2:INIT]") name calls the layer lacks on this path. Run alone: other runc containers under LOG profiles add records.
//   2. enforce: default SCMP_ACT_KILL_PROCESS and SCMP_ACT_ERRNO, `--runs` runs each; every run must start and exit 0.
//   3. minimise: each layer call removed in turn, `--runs` runs under SCMP_ACT_KILL_PROCESS: which the path needs.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CriClient } from '../dist/cri/client.js';
import { runtimeLayer } from '../dist/render/runtime-layers.js';
import { syscallName } from '../dist/syscalls/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const RUNS = opt('--runs', 20);
const LOG_RUNS = opt('--log-runs', 40);
const IMAGE = 'localhost/tracewall-measure-busybox:latest';
if (process.getuid?.() !== 0) throw new Error('needs root');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-cri-measure-'));
let containerd;
process.on('exit', () => {
  containerd?.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

const sh = (cmd, a, env = {}) => {
  const r = spawnSync(cmd, a, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** What busybox true calls from its execve on (strace on the host). */
function applicationSet() {
  const log = path.join(work, 'true.strace');
  sh('strace', ['-f', '-qq', '-o', log, '/bin/busybox', 'true']);
  const names = new Set();
  for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
    const m = /^\d+\s+([a-z0-9_]+)\(/.exec(line);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}

async function start() {
  const q = (p) => JSON.stringify(path.join(work, p));
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  fs.writeFileSync(
    path.join(work, 'config.toml'),
    [
      'version = 2',
      `root = ${q('root')}`,
      `state = ${q('state')}`,
      `[grpc]\n  address = ${q('containerd.sock')}`,
      `[ttrpc]\n  address = ${q('containerd.sock.ttrpc')}`,
      `[plugins."io.containerd.internal.v1.opt"]\n  path = ${q('opt')}`,
      `${cri}]\n  sandbox_image = ${JSON.stringify(IMAGE)}\n  restrict_oom_score_adj = true`,
      `${cri}.containerd]\n  snapshotter = "native"`,
      `${cri}.containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"`,
      `${cri}.cni]\n  bin_dir = ${q('cni/bin')}\n  conf_dir = ${q('cni/conf')}`,
      '',
    ].join('\n'),
  );
  const out = fs.openSync(path.join(work, 'containerd.log'), 'w');
  containerd = spawn('containerd', ['--config', path.join(work, 'config.toml')], {
    stdio: ['ignore', out, out],
    env: { ...process.env, TMPDIR: work },
  });
  const sock = path.join(work, 'containerd.sock');
  for (let i = 0; i < 300 && !fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
  // the image: busybox rootfs with a sleeping CMD (it is the pause image too)
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, d));
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'true', 'sleep']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  sh('tar', ['-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.']);
  fs.writeFileSync(
    path.join(work, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = ${q('podman/storage')}\nrunroot = ${q('podman/run')}\n`,
  );
  const env = { CONTAINERS_STORAGE_CONF: path.join(work, 'storage.conf') };
  sh('podman', ['import', '--change', 'CMD ["/bin/sleep", "2147483647"]', path.join(work, 'rootfs.tar'), IMAGE], env);
  sh('podman', ['save', '--format', 'docker-archive', '-o', path.join(work, 'image.tar'), IMAGE], env);
  sh('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', '--snapshotter', 'native', path.join(work, 'image.tar')]);
  return CriClient.connect(`unix://${sock}`);
}

const POD = {
  metadata: { name: 'measure', namespace: 'default', uid: 'measure-uid', attempt: 0 },
  log_directory: path.join(work, 'logs'),
  labels: { 'io.kubernetes.pod.name': 'measure', 'io.kubernetes.pod.namespace': 'default' },
  linux: { security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
};

let seq = 0;
/** One container run under `profile`: 'ok', or how it failed. */
async function runOnce(c, sandbox, profile, nnp) {
  const file = path.join(work, `profile-${++seq}.json`);
  fs.writeFileSync(file, JSON.stringify(profile));
  const config = {
    metadata: { name: `m${seq}`, attempt: 0 },
    image: { image: IMAGE },
    command: ['/bin/true'],
    labels: { 'io.kubernetes.container.name': `m${seq}` },
    linux: { security_context: { no_new_privs: nnp, seccomp: { profile_type: 'Localhost', localhost_ref: file } } },
  };
  let id;
  try {
    ({ container_id: id } = await c.call('CreateContainer', { pod_sandbox_id: sandbox, config, sandbox_config: POD }));
    await c.call('StartContainer', { container_id: id });
    for (;;) {
      const { status } = await c.call('ContainerStatus', { container_id: id });
      if (status.state === 'CONTAINER_EXITED')
        return status.exit_code === 0 ? 'ok' : `exit ${status.exit_code}${status.exit_code === 159 ? ' (SIGSYS)' : ''}`;
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (err) {
    // runc's init died on a refused call before or while runc start ran: the message names a stopped or dead process
    return /operation not permitted/.test(err.message) ? 'start failed: EPERM' : 'start failed: init gone';
  } finally {
    if (id) await c.call('RemoveContainer', { container_id: id }).catch(() => undefined);
    fs.rmSync(file, { force: true });
  }
}

const profileOf = (names, defaultAction) => ({
  defaultAction,
  ...(defaultAction === 'SCMP_ACT_ERRNO' ? { defaultErrnoRet: 1 } : {}),
  architectures: ['SCMP_ARCH_X86_64'],
  syscalls: [{ names: [...new Set(names)].sort(), action: 'SCMP_ACT_ALLOW' }],
});

async function tally(c, sandbox, profile, nnp, runs) {
  const counts = {};
  for (let i = 0; i < runs; i++) {
    const r = await runOnce(c, sandbox, profile, nnp);
    counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

/** Calls of runc's init the kernel logged (SCMP_ACT_LOG) since dmesg line `from`. */
function loggedCalls(from) {
  const lines = sh('dmesg', []).split('\n').slice(from);
  const names = new Set();
  for (const l of lines) {
    if (!/type=1326/.test(l) || !/comm="runc:\[2:INIT\]"/.test(l)) continue;
    const nr = /syscall=(\d+)/.exec(l)?.[1];
    if (nr) names.add(syscallName('x86_64', Number(nr)) ?? nr);
  }
  return [...names].sort();
}

const c = await start();
const app = applicationSet();
const { pod_sandbox_id: sandbox } = await c.call('RunPodSandbox', { config: POD }, 60_000);
const result = {
  containerd: sh('containerd', ['--version']).trim(),
  runc: sh('runc', ['--version']).split('\n')[0],
  app,
};
for (const nnp of [true, false]) {
  const layer = runtimeLayer('runc', { noNewPrivileges: nnp }).syscalls;
  const from = sh('dmesg', []).split('\n').length - 1;
  const log = await tally(c, sandbox, profileOf([...app, ...layer], 'SCMP_ACT_LOG'), nnp, LOG_RUNS);
  const extra = loggedCalls(from);
  const enforce = {};
  for (const d of ['SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_ERRNO'])
    enforce[d] = await tally(c, sandbox, profileOf([...app, ...layer], d), nnp, RUNS);
  const without = {};
  for (const s of layer) {
    const names = [...app, ...layer].filter((n) => n !== s || app.includes(s));
    if (app.includes(s)) continue; // the entrypoint needs it anyway
    without[s] = await tally(c, sandbox, profileOf(names, 'SCMP_ACT_KILL_PROCESS'), nnp, RUNS);
  }
  // the layer measured for the other no_new_privs value, to see whether the smaller one suffices here
  const small = runtimeLayer('runc', { noNewPrivileges: true }).syscalls;
  const withSmall = nnp
    ? undefined
    : await tally(c, sandbox, profileOf([...app, ...small], 'SCMP_ACT_KILL_PROCESS'), nnp, RUNS);
  result[`noNewPrivileges=${nnp}`] = {
    layer,
    logRuns: log,
    loggedOutsideTheSet: extra,
    enforce,
    without,
    withSmallLayer: withSmall,
  };
}
await c.call('StopPodSandbox', { pod_sandbox_id: sandbox }, 60_000);
await c.call('RemovePodSandbox', { pod_sandbox_id: sandbox }, 60_000);
c.close();
containerd.kill('SIGTERM');
await new Promise((r) => containerd.once('exit', r));
console.log(JSON.stringify(result, null, 2));
