#!/usr/bin/env node
// The quick-start demo: record the bundled busybox web example in a real container (crun), write its three profiles to
// out/, validate them, replay the container under the generated seccomp profile, show that something it never did is
// refused, and compare the allowed-syscall count with Docker's default. Run with `npm run demo` (builds first).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'tracewall');
const out = path.join(root, 'out');
const name = 'busybox-web';
const runtime = process.env.TRACEWALL_DEMO_RUNTIME ?? 'crun';

const { makeBusyboxBundle } = await import(path.join(root, 'dist', 'examples', 'bundles.js'));
const { BUSYBOX_WEB_WORKLOAD, BUSYBOX_WEB_OUTPUT, BUSYBOX_PROBES } = await import(
  path.join(root, 'dist', 'examples', 'workloads.js')
);
const { runBundle } = await import(path.join(root, 'dist', 'trace', 'bundle.js'));

function step(text) {
  process.stdout.write(`\n== ${text}\n`);
}
function tracewall(...args) {
  process.stdout.write(`$ tracewall ${args.map((a) => (/^[\w./=:-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: tracewall ${args[0]} exited ${r.status ?? r.signal}`);
    process.exit(r.status || 1);
  }
}

if (process.getuid?.() !== 0) {
  console.error('demo: running containers needs root (crun/runc); run `sudo npm run demo`');
  process.exit(3);
}

fs.mkdirSync(out, { recursive: true });
const bundle = path.join(out, `${name}-bundle`);
fs.rmSync(bundle, { recursive: true, force: true });
makeBusyboxBundle(bundle, { args: ['/bin/sh', '-c', BUSYBOX_WEB_WORKLOAD], addCapabilities: ['CAP_NET_RAW'] });
step(`the example: a busybox container (${path.relative(root, bundle)}) that runs`);
process.stdout.write(BUSYBOX_WEB_WORKLOAD.replace(/^/gm, '    ') + '\n');

step(`record it under strace, run by ${runtime}`);
const recording = path.join(out, `${name}.recording.json`);
tracewall('record', '--bundle', bundle, '--runtime', runtime, '--name', name, '-o', recording);

step('generate its seccomp, AppArmor and Kubernetes policy');
tracewall('generate', '-o', out, recording);

step('validate what was generated');
const files = ['seccomp.json', 'apparmor', 'k8s.yaml'].map((ext) => path.join(out, `${name}.${ext}`));
tracewall('validate', ...files);

step(`replay the container with the generated seccomp profile enforced by ${runtime}`);
const seccomp = JSON.parse(fs.readFileSync(files[0], 'utf8'));
const replay = await runBundle(bundle, runtime, { seccomp, timeoutMs: 60_000 });
process.stdout.write(replay.stdout);
const works = replay.exitCode === 0 && replay.stdout === BUSYBOX_WEB_OUTPUT;
process.stdout.write(
  works
    ? 'demo: the workload still works under its profile (exit 0, same output)\n'
    : `demo: REPLAY FAILED (exit ${replay.exitCode}): ${replay.stderr}\n`,
);

step('ask the same container to do what it never did');
let refused = 0;
for (const probe of BUSYBOX_PROBES) {
  const dir = path.join(out, `${name}-probe`);
  fs.rmSync(dir, { recursive: true, force: true });
  makeBusyboxBundle(dir, { args: probe.args, addCapabilities: ['CAP_NET_RAW'] });
  const r = await runBundle(dir, runtime, { seccomp, timeoutMs: 30_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  const denied = r.exitCode !== 0 && /Operation not permitted/.test(r.stderr);
  if (denied) refused++;
  process.stdout.write(
    `  ${probe.what}: ${denied ? 'refused' : 'NOT refused'} (${r.stderr.trim().split('\n').pop() ?? ''})\n`,
  );
}

step('summary');
const profile = JSON.parse(fs.readFileSync(files[0], 'utf8'));
const allowed = new Set(profile.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW').flatMap((s) => s.names));
const docker = JSON.parse(
  fs.readFileSync(path.join(root, 'src', 'validate', 'schemas', 'docker-default-seccomp.json'), 'utf8'),
);
const dockerAllowed = docker.syscalls
  .filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args?.length && !s.includes && !s.excludes)
  .flatMap((s) => s.names).length;
process.stdout.write(
  [
    `  allowed syscalls: ${allowed.size} (tracewall, ${name}) vs ${dockerAllowed} (Docker's default profile, unconditional allows)`,
    `  replay under enforcement: ${works ? 'works' : 'FAILED'}; never-seen operations refused: ${refused}/${BUSYBOX_PROBES.length}`,
    `  files: ${[recording, ...files].map((f) => path.relative(root, f)).join(', ')}`,
  ].join('\n') + '\n',
);
process.exit(works && refused === BUSYBOX_PROBES.length ? 0 : 1);
