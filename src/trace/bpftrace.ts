// Running a command (or a container runtime) under tracewall's bpftrace program: the workload starts stopped, the
// probes attach to its pid, and only then does it run. Exit status passes through; no process is left behind.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { badInput, toolMissing } from '../errors.js';
import { fromRoot } from '../util/paths.js';
import type { TraceResult } from './strace.js';
import { BPFTRACE_LOG_HEADER } from '../parse/bpftrace.js';
import { argvHash } from './bpftrace-argv.js';
import { kernelOffsets } from './bpftrace-btf.js';
import { attachFailure, checkBpftrace, findBpftrace } from './bpftrace-check.js';
import { signalAll } from './strace-tracees.js';

/** The program, kept in the repository and run as is (parameters are positional). */
export const BPFTRACE_PROGRAM = fromRoot('src', 'trace', 'bpftrace', 'tracewall.bt');

/** How to run the traced command under bpftrace. */
export interface BpftraceOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'inherit' (default) shares tracewall's terminal; 'pipe' captures stdout/stderr (stdin is closed). */
  stdio?: 'inherit' | 'pipe';
  /** Aborting stops the workload as SIGTERM to tracewall would. */
  abort?: AbortSignal;
  /** How long the workload gets after a forwarded signal before it is killed (ms). */
  graceMs?: number;
  /** Who gets a forwarded SIGINT/SIGTERM: every application process ('all'), or only the command ('root': a container runtime). */
  forward?: 'all' | 'root';
  /** Container mode: the application starts at the first exec with this argv (by a process that had not exec'd since its fork). */
  startAt?: { argv: string[] };
  /** How long bpftrace may take to attach before tracewall gives up (ms). */
  attachTimeoutMs?: number;
}

/** How the traced command ended: as with strace, plus problems of the tracer itself (it had to be killed, ...) for the recording's warnings. */
export interface BpftraceResult extends Omit<TraceResult, 'tracerDied'> {
  warnings: string[];
}

/** Stop, then (once continued) restore PWD and exec the command, which keeps this pid. */
const WRAPPER =
  'kill -STOP $$; if [ "$TRACEWALL_PWD_SET" = 1 ]; then export PWD="$TRACEWALL_PWD"; else unset PWD; fi; unset TRACEWALL_PWD TRACEWALL_PWD_SET; exec "$@"';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The state letter of /proc/PID/stat (R, S, T, Z, ...), or null when the process is gone. */
function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/** `argv[0]` as exec would find it on PATH; badInput when it cannot be run. */
export function resolveCommand(cmd: string, env: NodeJS.ProcessEnv, cwd: string): string {
  const ok = (p: string): boolean => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = path.resolve(cwd, cmd);
    if (!ok(p)) throw badInput(`cannot run ${JSON.stringify(cmd)}: no such executable file`);
    return cmd;
  }
  for (const dir of (env.PATH ?? '').split(':')) {
    const p = path.resolve(cwd, dir || '.', cmd);
    if (ok(p)) return p;
  }
  throw badInput(`cannot run ${JSON.stringify(cmd)}: not found on PATH`);
}

/** Resolves once the child exited and its output pipes closed (so every line it printed has been read). */
function waitClose(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Run `argv` under bpftrace writing tracewall's log to opts.logFile; resolves when the workload and its descendants ended. */
export async function traceWithBpftrace(argv: string[], opts: BpftraceOptions): Promise<BpftraceResult> {
  if (argv.length === 0) throw badInput('nothing to trace: the command is empty (expected `-- COMMAND [ARG...]`)');
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const tracerVersion = await checkBpftrace(env);
  const offsets = kernelOffsets();
  resolveCommand(argv[0]!, env, cwd);
  const stdio = opts.stdio ?? 'inherit';
  const warnings: string[] = [];

  // The workload stops itself before anything else; exec keeps its pid, which the program follows. The shell would
  // export a corrected PWD: the command gets PWD exactly as tracewall was given it.
  const work = spawn('/bin/sh', ['-c', WRAPPER, 'tracewall', ...argv], {
    cwd,
    env: { ...env, TRACEWALL_PWD: env.PWD ?? '', TRACEWALL_PWD_SET: env.PWD === undefined ? '0' : '1' },
    stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  let out = '';
  let err = '';
  work.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  work.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const workDone = waitClose(work);
  const pid = work.pid!;
  let tracer: Tracer | undefined;
  const logFd = fs.openSync(opts.logFile, 'w');
  try {
    for (let i = 0; procState(pid) !== 'T'; i++) {
      if (procState(pid) === null || work.exitCode !== null || i > 1000)
        throw badInput(
          `cannot start ${JSON.stringify(argv[0])}: the workload did not reach its start line (${err.trim() || 'it exited'})`,
        );
      await sleep(5);
    }
    const hash = opts.startAt ? argvHash(opts.startAt.argv) : { argc: 0, low: 0, high: 0 };
    const params = [
      pid,
      opts.startAt ? 1 : 0,
      hash.argc,
      hash.low,
      hash.high,
      process.pid,
      offsets.fileFPath,
      offsets.mountMnt,
      offsets.filePrivateData,
      offsets.mountParent,
      offsets.mountMountpoint,
    ];
    tracer = await startTracer(params, logFd, env, opts.attachTimeoutMs);
    const live = tracer.live;

    // Signals: the workload gets them (all of it, or the runtime only), then SIGKILL after the grace period.
    let interrupted: NodeJS.Signals | null = null;
    const timers: NodeJS.Timeout[] = [];
    const killAll = (): void => signalAll([pid, ...live], 'SIGKILL');
    const onSignal = (sig: NodeJS.Signals): void => {
      if (interrupted) {
        killAll();
        return;
      }
      interrupted = sig;
      signalAll(opts.forward === 'root' ? [pid] : [pid, ...live], sig);
      timers.push(setTimeout(killAll, opts.graceMs ?? 3000).unref());
    };
    const onInt = (): void => onSignal('SIGINT');
    const onTerm = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const onAbort = (): void => onSignal('SIGTERM');
    opts.abort?.addEventListener('abort', onAbort, { once: true });
    if (opts.abort?.aborted) onAbort();
    let ended: { code: number | null; signal: NodeJS.Signals | null };
    try {
      process.kill(pid, 'SIGCONT');
      ended = await workDone;
      // Descendants that outlived the command (daemons) are part of the workload, as under strace -f.
      while ([...live].some((t) => procState(t) !== null && procState(t) !== 'Z')) await sleep(50);
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      opts.abort?.removeEventListener('abort', onAbort);
      for (const t of timers) clearTimeout(t);
    }
    warnings.push(...(await tracer.stop()));
    return {
      exitCode: ended.code,
      signal: ended.signal,
      tracerVersion,
      interrupted,
      warnings,
      ...(stdio === 'pipe' ? { stdout: out, stderr: err } : {}),
    };
  } finally {
    fs.closeSync(logFd);
    if (work.exitCode === null && work.signalCode === null) signalAll([pid], 'SIGKILL');
    if (tracer) signalAll([...tracer.live], 'SIGKILL');
    await workDone;
    await tracer?.kill();
  }
}

/** tracewall's program running under bpftrace, its output going to a log. */
export interface Tracer {
  /** Application processes alive now (from the F/A/Q lines seen so far). */
  live: Set<number>;
  /** True once bpftrace exited on its own (the traced tree is not what ends it). */
  exited(): boolean;
  /** Let the last events drain, stop bpftrace (it prints the counts on SIGINT) and finish the log; resolves to warnings. */
  stop(): Promise<string[]>;
  /** Kill bpftrace if it still runs (cleanup after a failure). */
  kill(): Promise<void>;
  /** Add tracewall's own lines to the log (written between bpftrace's lines, never inside one). */
  note(lines: string[]): void;
  /** Attach modes: make the program start recording; resolves to the stamp of its A line once it has. */
  begin(timeoutMs?: number): Promise<string>;
}

/** Start bpftrace on tracewall's program with positional `params`, writing the log header and its output to `logFd`;
 * resolves once every probe is attached (READY), throws toolMissing (exit 3) with bpftrace's reason when it cannot attach. */
export async function startTracer(
  params: number[],
  logFd: number,
  env: NodeJS.ProcessEnv,
  attachTimeoutMs = 60_000,
): Promise<Tracer> {
  fs.writeSync(logFd, `${BPFTRACE_LOG_HEADER}\n`);
  const child = spawn(
    findBpftrace(env) ?? 'bpftrace',
    ['--no-warnings', '-B', 'line', BPFTRACE_PROGRAM, ...params.map(String)],
    {
      env: { ...process.env, BPFTRACE_STRLEN: '128', BPFTRACE_MAP_KEYS_MAX: '65536', BPFTRACE_PERF_RB_PAGES: '256' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const live = new Set<number>();
  let tracerErr = '';
  let ready = false;
  let begun = '';
  let carry = '';
  let notes: string[] = [];
  const flushNotes = (): void => {
    if (notes.length === 0) return;
    fs.writeSync(logFd, notes.map((l) => `${l}\n`).join(''));
    notes = [];
  };
  child.stderr!.on('data', (d: Buffer) => {
    tracerErr += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => {
    fs.writeSync(logFd, d);
    const text = carry + d.toString('latin1');
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines) {
      if (l === 'READY') ready = true;
      else if (l.startsWith('F ')) live.add(Number(l.split(' ')[3]));
      else if (l.startsWith('A ')) {
        live.add(Number(l.split(' ')[2]));
        begun = l.split(' ')[1]!;
      } else if (l.startsWith('Q ')) live.delete(Number(l.split(' ')[2]));
    }
    if (carry === '') flushNotes();
  });
  const done = waitClose(child);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (!running()) return;
    child.kill('SIGKILL');
    await done;
  };
  const deadline = Date.now() + attachTimeoutMs;
  while (!ready) {
    if (!running()) {
      await done;
      throw toolMissing(`bpftrace could not attach its probes: ${attachFailure(tracerErr)}`);
    }
    if (Date.now() > deadline) {
      await kill();
      throw toolMissing(
        `bpftrace did not attach its probes within ${Math.round(attachTimeoutMs / 1000)} s: ${attachFailure(tracerErr)}`,
      );
    }
    await sleep(10);
  }
  return {
    live,
    exited: () => !running(),
    kill,
    begin: async (timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs;
      while (!begun) {
        if (!running()) throw toolMissing(`bpftrace ended before recording started: ${attachFailure(tracerErr)}`);
        if (Date.now() > until) {
          await kill();
          throw toolMissing(
            `bpftrace did not start recording within ${Math.round(timeoutMs / 1000)} s of attaching (its program never saw tracewall's signal)`,
          );
        }
        // the program's kill probe sees this call (tracewall is its $6) and starts recording
        process.kill(child.pid!, 0);
        await sleep(10);
      }
      return begun;
    },
    note: (lines) => {
      notes.push(...lines);
      if (carry === '') flushNotes();
    },
    stop: async () => {
      const warnings: string[] = [];
      await sleep(200);
      child.kill('SIGINT');
      let stopTimer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        done,
        new Promise<null>((r) => {
          stopTimer = setTimeout(() => r(null), 20_000);
        }),
      ]);
      clearTimeout(stopTimer);
      if (stopped === null) {
        await kill();
        warnings.push('bpftrace did not stop within 20 s of SIGINT and was killed: its counts may be missing');
      }
      await sleep(0);
      if (carry !== '') fs.writeSync(logFd, '\n');
      carry = '';
      flushNotes();
      return warnings;
    },
  };
}
