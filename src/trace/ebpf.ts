// Running a command (or a container runtime) under tracewall's compiled eBPF recorder: the workload starts stopped,
// the loader (built by scripts/build-ebpf.sh into dist/ebpf/) loads the program, marks the workload's task and says
// READY, and only then does the workload run. Exit status passes through; no process is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { badInput, toolMissing } from '../errors.js';
import { fromRoot } from '../util/paths.js';
import { EBPF_LOG_HEADER } from '../parse/ebpf.js';
import { BPFTRACE_PROGRAM, OutputReader, resolveCommand, runToEnd, startStopped, waitClose } from './bpftrace.js';
import type { BpftraceOptions, BpftraceResult } from './bpftrace.js';
import { argvHash } from './bpftrace-argv.js';
import { signalAll } from './strace-tracees.js';
import { GRACE_MS, watchInterruption } from './interrupt.js';

/** The loader, built from src/trace/ebpf/ by the install step (never at record time). */
export const EBPF_LOADER = fromRoot('dist', 'ebpf', 'tracewall-ebpf');

/** The loader to run: TRACEWALL_EBPF_LOADER when set (a loader installed elsewhere), else the one the build made. */
export function loaderPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TRACEWALL_EBPF_LOADER || EBPF_LOADER;
}

/** How to run the traced command under the eBPF recorder: as under bpftrace, plus the ring buffer's size. */
export interface EbpfOptions extends BpftraceOptions {
  /** Bytes of the ring buffer events go through (a power of two, at least 4096; default 4 MiB). */
  ringbufBytes?: number;
}

/** How the traced command ended, and whether the loader died while it ran. */
export interface EbpfResult extends BpftraceResult {
  tracerDied: { how: string; leftovers: number } | null;
}

/** Why the eBPF recorder cannot run here without trying it (not root, not built, no BTF), or null. */
export function ebpfBlocker(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.getuid?.() !== 0)
    return `the ebpf tracer needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN); tracewall runs as uid ${process.getuid?.()}`;
  if (!fs.existsSync('/sys/kernel/btf/vmlinux'))
    return 'the kernel has no BTF (/sys/kernel/btf/vmlinux is missing): the ebpf tracer needs a kernel built with CONFIG_DEBUG_INFO_BTF';
  const loader = loaderPath(env);
  if (!fs.existsSync(loader))
    return `the ebpf tracer is not built (${loader} is missing): run scripts/bootstrap.sh (it builds it with clang, libbpf and bpftool)`;
  return null;
}

/** The loader's version ("libbpf-v1.1"); toolMissing (exit 3) with the reason when it cannot run. */
export function ebpfVersion(env: NodeJS.ProcessEnv = process.env): string {
  const blocker = ebpfBlocker(env);
  if (blocker) throw toolMissing(blocker);
  const loader = loaderPath(env);
  try {
    // one word (the log's version line is `# tracewall: tracer ebpf VERSION`)
    return execFileSync(loader, ['--version'], { encoding: 'utf8', timeout: 5000 }).trim().replace(/\s+/g, '-');
  } catch (err) {
    throw toolMissing(`the ebpf tracer's loader (${loader}) does not run: ${(err as Error).message}`);
  }
}

/** The ring buffer's size from TRACEWALL_EBPF_RINGBUF (bytes, or with a K or M suffix: "64M"), or undefined. */
export function ringbufFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.TRACEWALL_EBPF_RINGBUF;
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+)([KM]?)$/i.exec(v.trim());
  if (!m)
    throw badInput(`TRACEWALL_EBPF_RINGBUF=${JSON.stringify(v)}: expected a size in bytes, or with K or M (e.g. 64M)`);
  return Number(m[1]) * (m[2]!.toUpperCase() === 'M' ? 1 << 20 : m[2]!.toUpperCase() === 'K' ? 1 << 10 : 1);
}

/** The argument table the program reads calls by: the bpftrace program's @cls (one table, checked against the syscall table). */
export function clsTable(): string {
  const program = fs.readFileSync(BPFTRACE_PROGRAM, 'utf8');
  return [...program.matchAll(/@cls\[(\d+)\] = (\d+);/g)].map((m) => `${m[1]}=${m[2]}`).join(',');
}

/** The loader's arguments for following `pid` from its first exec, or from the exec of `startAt`'s argv. */
export function loaderArgs(pid: number, startAt: { argv: string[] } | undefined, o: { ringbufBytes?: number }) {
  const args = ['--root', String(pid), '--cls', clsTable(), '--watch', String(process.pid)];
  if (startAt) {
    const h = argvHash(startAt.argv);
    args.push('--mode', '1', '--argc', String(h.argc), '--hash', String((BigInt(h.high) << 32n) | BigInt(h.low)));
  } else args.push('--mode', '0');
  if (o.ringbufBytes !== undefined) {
    const n = o.ringbufBytes;
    if (!Number.isInteger(n) || n < 4096 || (n & (n - 1)) !== 0)
      throw badInput(`ring buffer size ${n} is not a power of two of at least 4096 bytes`);
    args.push('--ringbuf', String(n));
  }
  return args;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The loader running, its output going to the log. */
export interface Loader {
  child: ChildProcess;
  /** Application processes alive now (from the F/A/Q lines seen so far). */
  live: Set<number>;
  running(): boolean;
  /** The loader's last error line (`ERROR stage: reason`), or its exit. */
  why(): string;
  /** The stamp of the A line (attach mode: recording started), "" before. */
  begun(): string;
  /** Add tracewall's own lines to the log (between the loader's lines, never inside one). */
  note(lines: string[]): void;
  /** Drain, stop (SIGINT: it prints its counts and losses) and end the log; warnings when it had to be killed. */
  stop(): Promise<string[]>;
  kill(): Promise<void>;
  done: Promise<unknown>;
}

/** Where the verifier's output goes when the program does not load (kept for the user; removed after a good load). */
export function verifierLogPath(): string {
  return path.join(os.tmpdir(), `tracewall-ebpf-verifier-${process.pid}.log`);
}

/** Start the loader with `args`, writing the log header and its output to `logFd`; resolves once it is READY, throws
 * toolMissing (exit 3) with its reason (and where the verifier's output is) when it cannot load or attach. */
export async function startLoader(
  args: string[],
  logFd: number,
  tracerVersion: string,
  readyMs = 10_000,
  env: NodeJS.ProcessEnv = process.env,
) {
  fs.writeSync(logFd, `${EBPF_LOG_HEADER}\n# tracewall: tracer ebpf ${tracerVersion}\n`);
  const vlog = verifierLogPath();
  const child = spawn(loaderPath(env), [...args, '--verifier-log', vlog], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = new OutputReader(logFd);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => out.data(d));
  const done = waitClose(child);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (!running()) return;
    child.kill('SIGKILL');
    await done;
  };
  const why = (): string =>
    err
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^ERROR /, '') ?? (child.signalCode ? `killed by ${child.signalCode}` : `exit ${child.exitCode}`);
  const until = Date.now() + readyMs;
  while (!out.ready) {
    if (!running()) {
      await done;
      const reason = why() || `the loader exited (${child.exitCode})`;
      const hint = /not permitted/i.test(reason)
        ? '; BPF is not permitted here (not root, kernel.unprivileged_bpf_disabled, lockdown, or a container without CAP_BPF/CAP_SYS_ADMIN)'
        : '';
      throw toolMissing(`the ebpf tracer could not start: ${reason}${hint}`);
    }
    if (Date.now() > until) {
      await kill();
      throw toolMissing(`the ebpf tracer did not load its program within ${readyMs / 1000} s`);
    }
    await sleep(5);
  }
  fs.rmSync(vlog, { force: true });
  const loader: Loader = {
    child,
    live: out.live,
    running,
    why,
    done,
    kill,
    begun: () => out.begun,
    note: (lines) => out.note(lines),
    stop: () => stopLoader(loader, out),
  };
  return loader;
}

/** SIGINT the loader (it drains its ring buffer and prints the counts) and wait for it; warnings when it had to be killed. */
async function stopLoader(l: Loader, out: OutputReader): Promise<string[]> {
  let warnings: string[] = [];
  if (l.running()) {
    l.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([l.done, new Promise<null>((r) => (timer = setTimeout(() => r(null), 10_000)))]);
    clearTimeout(timer);
    if (stopped === null) {
      await l.kill();
      warnings = ['the ebpf loader did not stop within 10 s of SIGINT and was killed: its counts may be missing'];
    }
  }
  await l.done;
  out.finish();
  return warnings;
}

/** Wait for the workload (and its descendants) to end, or for the loader to die, whichever comes first. */
async function runOrDie(w: Awaited<ReturnType<typeof startStopped>>, loader: Loader) {
  const run = runToEnd(w, loader.live);
  const died = loader.done.then(() => 'died' as const);
  const first = await Promise.race([run.then(() => 'ended' as const), died]);
  if (first === 'ended') return { ended: await run, tracerDied: null };
  // the loader died while the workload ran: nothing records it any more, so it is not left running
  const leftovers = [w.pid, ...loader.live].filter((p) => fs.existsSync(`/proc/${p}`)).length;
  signalAll([w.pid, ...loader.live], 'SIGKILL');
  const how = loader.why() || (loader.child.signalCode ? `killed by ${loader.child.signalCode}` : 'exited');
  return { ended: await run, tracerDied: { how, leftovers: Math.max(leftovers, 1) } };
}

/** Run `argv` under the eBPF recorder writing tracewall's log to opts.logFile; resolves when the workload and its descendants ended. */
export async function traceWithEbpf(argv: string[], opts: EbpfOptions): Promise<EbpfResult> {
  if (argv.length === 0) throw badInput('nothing to trace: the command is empty (expected `-- COMMAND [ARG...]`)');
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const tracerVersion = ebpfVersion(env);
  resolveCommand(argv[0]!, env, cwd);
  const ringbufBytes = opts.ringbufBytes ?? ringbufFromEnv(env);
  const args = loaderArgs(0, opts.startAt, ringbufBytes === undefined ? {} : { ringbufBytes });
  const stdio = opts.stdio ?? 'inherit';
  const w = await startStopped(argv, env, cwd, stdio);
  args[1] = String(w.pid);
  let loader: Loader | undefined;
  const logFd = fs.openSync(opts.logFile, 'w');
  try {
    loader = await startLoader(args, logFd, tracerVersion, opts.attachTimeoutMs, env);
    const live = loader.live;
    const watch = watchInterruption(opts.interrupt, opts.graceMs ?? GRACE_MS.command, {
      stop: (sig) => signalAll(opts.forward === 'root' ? [w.pid] : [w.pid, ...live], sig),
      kill: () => signalAll([w.pid, ...live], 'SIGKILL'),
    });
    opts.onProgress?.({ kind: 'tracing', tracer: 'ebpf', version: tracerVersion });
    let r: Awaited<ReturnType<typeof runOrDie>>;
    try {
      r = await runOrDie(w, loader);
    } finally {
      watch.dispose();
    }
    const warnings = await loader.stop();
    const output = stdio === 'pipe' ? w.output() : {};
    const { code, signal } = r.ended;
    const interrupted = watch.interrupted();
    return { exitCode: code, signal, tracerVersion, interrupted, warnings, tracerDied: r.tracerDied, ...output };
  } finally {
    if (w.child.exitCode === null && w.child.signalCode === null) signalAll([w.pid], 'SIGKILL');
    if (loader) signalAll([...loader.live], 'SIGKILL');
    await w.done;
    await loader?.kill();
    fs.closeSync(logFd);
  }
}
