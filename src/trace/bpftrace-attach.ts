// Attaching tracewall's bpftrace program to something already running (`record --pid`, `record --container`): the
// process and its descendants are the application from the moment the probes are in place; recording ends after
// --duration, at SIGINT/SIGTERM, or when the traced processes are gone. Nothing traced is ever stopped or signalled.
import fs from 'node:fs';
import { badInput, toolMissing } from '../errors.js';
import { checkBpftrace } from './bpftrace-check.js';
import { programParams, startTracer, type Tracer } from './bpftrace.js';
import { stopSignal, type Interruption } from './interrupt.js';

export interface AttachOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Stop recording after this long (ms); otherwise at a stop request, or when the processes are gone. */
  durationMs?: number;
  /** A stop request ends the recording (before the probes are attached: cancels it); nothing traced is signalled. */
  interrupt?: Interruption;
  /** A container's pid namespace inode: a process that enters it later (docker exec) is followed from its next exec. */
  pidNamespace?: number;
  attachTimeoutMs?: number;
  /** Called once the probes are attached and recording has started. */
  onStart?: () => void;
}

export interface AttachResult {
  tracerVersion: string;
  /**
   * Why recording stopped. Nothing was recorded for 'late' (the processes ended before the probes were attached) and
   * 'cancelled' (a signal came first); 'tracer': bpftrace ended on its own, the recording so far is in the log.
   */
  ended:
    | { kind: 'duration' }
    | { kind: 'signal'; signal: NodeJS.Signals }
    | { kind: 'gone' }
    | { kind: 'tracer' }
    | { kind: 'late'; attachSeconds: number }
    | { kind: 'cancelled'; signal: NodeJS.Signals };
  /** Seconds between the probes being in place and the end of recording. */
  seconds: number;
  warnings: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ppid and state of a process, or null when it is gone. */
function stat(pid: number): { ppid: number; state: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

/** Whether a process still runs: any of its threads is not a zombie (its leader may have ended alone). */
export const alive = (pid: number): boolean => {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tids.some((t) => {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      return !/^[ZX]/.test(text.slice(text.lastIndexOf(')') + 2));
    } catch {
      return false;
    }
  });
};

/** `pid` and its live descendants, from a walk of /proc. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(Number(name));
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

/** A field of /proc/PID/status text ("" when absent). */
function statusField(status: string, key: string): string {
  return new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
}

/** The effective id of a Uid:/Gid: line (real, effective, saved, fs). */
function effectiveId(status: string, key: 'Uid' | 'Gid'): number {
  return Number(statusField(status, key).split(/\s+/)[1] ?? 0);
}

/** What /proc says about a running process: argv, executable, cwd, effective uid and gid ("" or 0 where unreadable). */
export function processFacts(pid: number): { argv: string[]; exe: string; cwd: string; uid: number; gid: number } {
  const read = (how: () => string): string => {
    try {
      return how();
    } catch {
      return '';
    }
  };
  const status = read(() => fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return {
    argv: read(() => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))
      .split('\0')
      .filter((a, i, all) => i < all.length - 1 || a !== ''),
    exe: read(() => fs.readlinkSync(`/proc/${pid}/exe`)),
    cwd: read(() => fs.readlinkSync(`/proc/${pid}/cwd`)) || '/',
    uid: effectiveId(status, 'Uid'),
    gid: effectiveId(status, 'Gid'),
  };
}

/**
 * Refuse what cannot be attached to, naming why: no such process, a thread rather than a process, a kernel thread,
 * tracewall itself or its ancestors. `what` names the target in messages ("--pid 42", "--container web (init 42)").
 */
export function checkAttachTarget(pid: number, what: string): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw badInput(`${what}: expected a process id (a positive integer)`);
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw badInput(`${what}: no such process (it is not running)`);
  }
  const field = (k: string): string => statusField(status, k);
  if (/^[ZX]/.test(field('State'))) throw badInput(`${what}: no such process (it has ended)`);
  const tgid = Number(field('Tgid'));
  if (tgid !== pid)
    throw badInput(
      `${what}: ${pid} is a thread of process ${tgid}; attach to the process (--pid ${tgid}), which takes all its threads`,
    );
  // kernel threads have no memory map (and no executable); their seccomp/AppArmor confinement means nothing
  if (field('VmSize') === '' && field('Kthread') !== '0')
    throw badInput(`${what}: a kernel thread, which has no seccomp or AppArmor profile`);
  let exe: string;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'EACCES' || code === 'EPERM'
      ? toolMissing(`${what}: not permitted to inspect process ${pid} (attaching needs root)`, err)
      : badInput(`${what}: cannot read its executable: ${(err as Error).message}`, err);
  }
  for (let p: number | undefined = process.pid; p !== undefined && p > 0; p = stat(p)?.ppid) {
    if (p === pid)
      throw badInput(`${what}: that is tracewall itself or one of its parents (${exe}); run tracewall from elsewhere`);
  }
}

/** Attaching compares host pids: tracewall must see them (run it in the host's pid namespace, as root). */
export function checkAttachHost(): void {
  if (process.getuid?.() !== 0)
    throw toolMissing('attaching (record --pid/--container) needs root: bpftrace loads programs into the kernel');
  const nspid = /^NSpid:\s*(.*)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
  if (nspid.length > 1)
    throw toolMissing(
      "tracewall runs in a pid namespace of its own: bpftrace sees the host's pids, so attaching must run in the host's pid namespace",
    );
}

/** Bytes in the form bpftrace's %r prints (printable ASCII as is, every other byte as \xNN), for tracewall's own log lines. */
export function rOfBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** "P" lines for every thread of `pids` (processes that were running before recording started): tgid, euid, egid, exe. */
export function runningLines(pids: number[], stamp: string): string[] {
  const lines: string[] = [];
  for (const pid of pids) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const ids = `${effectiveId(status, 'Uid')} ${effectiveId(status, 'Gid')}`;
      const exe = rOfBytes(fs.readlinkSync(`/proc/${pid}/exe`, { encoding: 'buffer' }));
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) lines.push(`P ${stamp} ${tid} ${pid} ${ids} ${exe}`);
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

/** The x86_64 system call each thread of `pids` is inside now (blocked since before the probes attached), as "B" lines. */
export function blockedCalls(pids: number[], stamp: string): string[] {
  const lines: string[] = [];
  for (const pid of pids) {
    let tids: string[];
    try {
      const elf = Buffer.alloc(5);
      const fd = fs.openSync(`/proc/${pid}/exe`, 'r');
      try {
        fs.readSync(fd, elf, 0, 5, 0);
      } finally {
        fs.closeSync(fd);
      }
      if (elf[4] !== 2) continue; // 32-bit: /proc shows i386 numbers, which the log does not carry
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const first = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').split(' ')[0]!;
        if (/^\d+$/.test(first)) lines.push(`B ${stamp} ${tid} ${first}`);
      } catch {
        // gone, or not readable
      }
    }
  }
  return lines;
}

/** The program's positional parameters for an attach (mode 2, or 3 with the container's pid namespace). */
function attachParams(pid: number, pidNamespace: number | undefined): number[] {
  return programParams(pid, pidNamespace !== undefined ? 3 : 2, [pidNamespace ?? 0, 0, 0]);
}

/** Record until the duration, a stop request, the processes' end or bpftrace's own end. */
async function recordUntilEnd(tracer: Tracer, opts: AttachOptions, stopped: () => NodeJS.Signals | null) {
  const deadline = opts.durationMs !== undefined ? Date.now() + opts.durationMs : Infinity;
  for (;;) {
    const signal = stopped();
    if (signal) return { kind: 'signal', signal } as const;
    if (Date.now() >= deadline) return { kind: 'duration' } as const;
    if (![...tracer.live].some(alive)) return { kind: 'gone' } as const;
    if (tracer.exited()) return { kind: 'tracer' } as const;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

const TRACER_ENDED =
  'bpftrace ended on its own while recording: the recording stops there, and its syscall counts may be missing';

/** Record `pid` and its descendants with bpftrace until the duration, a stop request, or their end. */
export async function attachWithBpftrace(pid: number, opts: AttachOptions): Promise<AttachResult> {
  const env = opts.env ?? process.env;
  const tracerVersion = await checkBpftrace(env);
  const params = attachParams(pid, opts.pidNamespace);
  // A stop request during bpftrace's 2-3 s of attaching cancels cleanly; nothing traced is ever signalled.
  const stopped = (): NodeJS.Signals | null => (opts.interrupt?.stop?.aborted ? stopSignal(opts.interrupt.stop) : null);
  const logFd = fs.openSync(opts.logFile, 'w');
  let tracer: Tracer | undefined;
  const tAttach = process.hrtime.bigint();
  try {
    tracer = await startTracer(params, logFd, env, opts.attachTimeoutMs, tracerVersion);
    const cancelled = stopped();
    if (cancelled) {
      await tracer.stop();
      return { tracerVersion, ended: { kind: 'cancelled', signal: cancelled }, seconds: 0, warnings: [] };
    }
    const stamp = await tracer.begin();
    const t0 = process.hrtime.bigint();
    if (!alive(pid)) {
      await tracer.stop();
      const attachSeconds = Number(t0 - tAttach) / 1e9;
      return { tracerVersion, ended: { kind: 'late', attachSeconds }, seconds: 0, warnings: [] };
    }
    // What already ran (its threads, executables, users) and the calls it sits in; all of it ends the recording when gone.
    const tree = processTree(pid);
    for (const p of tree) tracer.live.add(p);
    tracer.note([...runningLines(tree, stamp), ...blockedCalls(tree, stamp)]);
    opts.onStart?.();
    const ended = await recordUntilEnd(tracer, opts, stopped);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const warnings = ended.kind === 'tracer' ? [TRACER_ENDED] : [];
    warnings.push(...(await tracer.stop()));
    return { tracerVersion, ended, seconds, warnings };
  } finally {
    fs.closeSync(logFd);
    await tracer?.kill();
  }
}
