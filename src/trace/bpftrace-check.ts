// Can bpftrace trace here? Root, the bpftrace binary, tracefs and BTF, each refused with its reason (exit 3) in seconds.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { toolMissing } from '../errors.js';

const INSTALL_HINT = 'install the Debian package bpftrace (apt-get install bpftrace), or use --tracer strace';
const TRACEFS = '/sys/kernel/tracing';

/** The absolute path of bpftrace on PATH, or null. */
export function findBpftrace(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, 'bpftrace');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** True when tracefs (the syscall tracepoints bpftrace attaches to) is mounted. */
export function tracefsMounted(): boolean {
  return (
    fs.existsSync(path.join(TRACEFS, 'events', 'raw_syscalls')) ||
    fs.existsSync('/sys/kernel/debug/tracing/events/raw_syscalls')
  );
}

/** Why bpftrace cannot run here without trying it (not root, not installed, no BTF), or null; tracefs is mounted on demand. */
export function bpftraceBlocker(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux') return `bpftrace needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0)
    return `bpftrace needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN); tracewall runs as uid ${process.getuid?.()}: run it as root, or use --tracer strace`;
  if (!findBpftrace(env)) return `bpftrace is not installed or not on PATH: ${INSTALL_HINT}`;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux'))
    return 'the kernel has no BTF (/sys/kernel/btf/vmlinux is missing), which bpftrace needs here: use --tracer strace';
  return null;
}

/** Mount tracefs when it is missing (as systemd does at boot); toolMissing with the reason when that fails. */
export async function ensureTracefs(): Promise<void> {
  if (tracefsMounted()) return;
  const r = await execa('mount', ['-t', 'tracefs', 'nodev', TRACEFS], {
    reject: false,
    stdin: 'ignore',
    timeout: 10_000,
  });
  if (r.exitCode === 0 && tracefsMounted()) {
    process.stderr.write(`tracewall: mounted tracefs at ${TRACEFS} (bpftrace attaches to its tracepoints)\n`);
    return;
  }
  const why =
    String(r.stderr || r.shortMessage || '')
      .trim()
      .split('\n')[0] ?? '';
  throw toolMissing(
    `tracefs is not mounted and mounting it failed (${why || `exit ${String(r.exitCode)}`}): mount it with \`mount -t tracefs nodev ${TRACEFS}\`, or use --tracer strace`,
  );
}

let versionPromise: Promise<string> | undefined;

/** bpftrace's version ("0.17.0"); toolMissing when it is missing or does not run. */
export function bpftraceVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  versionPromise ??= (async () => {
    const bin = findBpftrace(env);
    if (!bin) throw toolMissing(`bpftrace is not installed or not on PATH: ${INSTALL_HINT}`);
    const r = await execa(bin, ['--version'], { reject: false, timeout: 10_000, stdin: 'ignore' });
    const m = /v?(\d+\.\d+(?:\.\d+)?)/.exec(String(r.stdout));
    if (r.exitCode !== 0 || !m)
      throw toolMissing(`${bin} --version failed (${r.shortMessage ?? `exit ${String(r.exitCode)}`}): ${INSTALL_HINT}`);
    return m[1]!;
  })();
  versionPromise.catch(() => {
    versionPromise = undefined;
  });
  return versionPromise;
}

/** Every check before a run: the version on success, toolMissing with the reason otherwise. */
export async function checkBpftrace(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const blocker = bpftraceBlocker(env);
  if (blocker) throw toolMissing(blocker);
  const version = await bpftraceVersion(env);
  await ensureTracefs();
  return version;
}

/** bpftrace's complaint in one line (its RLIMIT_MEMLOCK warning and blank lines dropped), with a hint where one helps. */
export function attachFailure(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/RLIMIT_MEMLOCK/.test(l));
  const said =
    lines.find((l) => /ERROR|error|denied|not permitted/i.test(l)) ??
    lines[0] ??
    'bpftrace exited before attaching its probes';
  let hint = '';
  if (/not permitted|EPERM|permission denied/i.test(said))
    hint =
      '; BPF is not permitted here (not root, kernel.unprivileged_bpf_disabled, lockdown, or a container without CAP_BPF/CAP_SYS_ADMIN)';
  else if (/tracefs|debugfs|tracing/i.test(said)) hint = `; mount tracefs: mount -t tracefs nodev ${TRACEFS}`;
  return `${said}${hint}`;
}
