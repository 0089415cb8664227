// Attaching tracewall's bpftrace program to something already running (`record --pid`, `record --container`): the
// process and its descendants are the application from the moment the probes are in place; recording ends after
// --duration, at SIGINT/SIGTERM, or when the traced processes are gone. Nothing traced is ever stopped or signalled.
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { kernelOffsets } from './bpftrace-btf.js';
import { checkBpftrace } from './bpftrace-check.js';
import { startTracer, type Tracer } from './bpftrace.js';

export interface AttachOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Stop recording after this long (ms); otherwise at SIGINT/SIGTERM, an abort, or when the processes are gone. */
  durationMs?: number;
  abort?: AbortSignal;
  /** A container's pid namespace inode: a process that enters it later (docker exec) is followed from its next exec. */
  pidNamespace?: number;
  attachTimeoutMs?: number;
  /** Called once the probes are attached and recording has started. */
  onStart?: () => void;
}

export interface AttachResult {
  tracerVersion: string;
  /** Why recording stopped; 'late': the processes ended before the probes were attached (nothing recorded). */
  ended: { kind: 'duration' } | { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'gone' } | { kind: 'late'; attachSeconds: number };
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

const alive = (pid: number): boolean => {
  const s = stat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
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

/** Refuse what cannot be attached to, naming why: no such process, a kernel thread, tracewall itself or its ancestors. */
export function checkAttachTarget(pid: number, flag: string): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw badInput(`${flag} ${pid}: expected a process id (a positive integer)`);
  const s = stat(pid);
  if (!s || s.state === 'Z') throw badInput(`${flag} ${pid}: no such process (it is not running)`);
  let exe = '';
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    throw badInput(`${flag} ${pid}: a kernel thread (it has no executable), which has no seccomp or AppArmor profile`);
  }
  for (let p: number | undefined = process.pid; p !== undefined && p > 0; p = stat(p)?.ppid) {
    if (p === pid) throw badInput(`${flag} ${pid}: that is tracewall itself or one of its parents (${exe}); run tracewall from elsewhere`);
  }
}

/** The x86_64 system call each thread of `pids` is inside now (blocked since before the probes attached), as "B" lines. */
function blockedCalls(pids: number[], ns: string): string[] {
  const lines: string[] = [];
  for (const pid of pids) {
    let tids: string[];
    try {
      const elf = Buffer.alloc(5);
      const fd = fs.openSync(`/proc/${pid}/exe`, 'r');
      try { fs.readSync(fd, elf, 0, 5, 0); } finally { fs.closeSync(fd); }
      if (elf[4] !== 2) continue; // 32-bit: /proc shows i386 numbers, which the log does not carry
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const first = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').split(' ')[0]!;
        if (/^\d+$/.test(first)) lines.push(`B ${ns} ${tid} ${first}`);
      } catch {
        // gone, or not readable
      }
    }
  }
  return lines;
}

/** Record `pid` and its descendants with bpftrace until the duration, a signal, an abort, or their end. */
export async function attachWithBpftrace(pid: number, opts: AttachOptions): Promise<AttachResult> {
  const env = opts.env ?? process.env;
  const tracerVersion = await checkBpftrace(env);
  const offsets = kernelOffsets();
  const mode = opts.pidNamespace !== undefined ? 3 : 2;
  const params = [pid, mode, opts.pidNamespace ?? 0, 0, 0, process.pid, offsets.fileFPath, offsets.mountMnt, offsets.filePrivateData, offsets.mountParent, offsets.mountMountpoint];
  const logFd = fs.openSync(opts.logFile, 'w');
  let tracer: Tracer | undefined;
  const tAttach = process.hrtime.bigint();
  try {
    tracer = await startTracer(params, logFd, env, opts.attachTimeoutMs);
    await tracer.begin();
    const t0 = process.hrtime.bigint();
    if (!alive(pid)) {
      await tracer.stop();
      return { tracerVersion, ended: { kind: 'late', attachSeconds: Number(t0 - tAttach) / 1e9 }, seconds: 0, warnings: [] };
    }
    opts.onStart?.();
    // Calls the processes were already inside when the probes attached (waits, polls) are theirs too.
    tracer.note(blockedCalls(processTree(pid), String(process.hrtime.bigint())));

    let ended: AttachResult['ended'] | undefined;
    const onSignal = (signal: NodeJS.Signals): void => { ended ??= { kind: 'signal', signal }; };
    const onInt = (): void => onSignal('SIGINT');
    const onTerm = (): void => onSignal('SIGTERM');
    const onAbort = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    opts.abort?.addEventListener('abort', onAbort, { once: true });
    if (opts.abort?.aborted) onAbort();
    const deadline = opts.durationMs !== undefined ? Date.now() + opts.durationMs : Infinity;
    try {
      while (!ended) {
        if (Date.now() >= deadline) ended = { kind: 'duration' };
        else if (!alive(pid) && ![...tracer.live].some(alive)) ended = { kind: 'gone' };
        else if (tracer.exited()) break;
        else await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
      }
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      opts.abort?.removeEventListener('abort', onAbort);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const warnings = tracer.exited() && !ended ? ['bpftrace ended on its own before recording was stopped: the recording may be incomplete'] : [];
    warnings.push(...(await tracer.stop()));
    return { tracerVersion, ended: ended ?? { kind: 'gone' }, seconds, warnings };
  } finally {
    fs.closeSync(logFd);
    await tracer?.kill();
  }
}
