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
import { GRACE_MS, watchInterruption, type Interruption } from './interrupt.js';
import type { ProgressSink } from './progress.js';

/** The program, kept in the repository and run as is (parameters are positional). */
export const BPFTRACE_PROGRAM = fromRoot('src', 'trace', 'bpftrace', 'tracewall.bt');

/** How to run the traced command under bpftrace. */
export interface BpftraceOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'inherit' (default) shares tracewall's terminal; 'pipe' captures stdout/stderr (stdin is closed). */
  stdio?: 'inherit' | 'pipe';
  /** Requests to stop the workload early (the CLI's SIGINT/SIGTERM). */
  interrupt?: Interruption;
  /** Told when the probes are attached and the workload runs. */
  onProgress?: ProgressSink;
  /** How long the workload gets after a forwarded signal before it is killed (ms; default GRACE_MS.command). */
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
export function procState(pid: number): string | null {
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
export function waitClose(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** A workload started stopped: it runs once continued; its output is kept when piped. */
export interface StoppedWorkload {
  pid: number;
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => { stdout: string; stderr: string };
}

/**
 * Start `argv` so that it stops itself before anything else (exec keeps its pid, which the program follows). The shell
 * would export a corrected PWD: the command gets PWD exactly as tracewall was given it.
 */
export async function startStopped(argv: string[], env: NodeJS.ProcessEnv, cwd: string, stdio: 'inherit' | 'pipe') {
  const child = spawn('/bin/sh', ['-c', WRAPPER, 'tracewall', ...argv], {
    cwd,
    env: { ...env, TRACEWALL_PWD: env.PWD ?? '', TRACEWALL_PWD_SET: env.PWD === undefined ? '0' : '1' },
    stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const w: StoppedWorkload = {
    pid: child.pid!,
    child,
    done: waitClose(child),
    output: () => ({ stdout: out, stderr: err }),
  };
  for (let i = 0; procState(w.pid) !== 'T'; i++) {
    if (procState(w.pid) === null || child.exitCode !== null || i > 1000) {
      await w.done;
      throw badInput(
        `cannot start ${JSON.stringify(argv[0])}: the workload did not reach its start line (${err.trim() || 'it exited'})`,
      );
    }
    await sleep(5);
  }
  return w;
}

/** The program's positional parameters (see tracewall.bt): root pid, start mode and its three values, then tracewall's
 * pid and the kernel structure offsets read from BTF. */
export function programParams(pid: number, mode: number, values: [number, number, number]): number[] {
  const o = kernelOffsets();
  return [
    pid,
    mode,
    ...values,
    process.pid,
    o.fileFPath,
    o.mountMnt,
    o.filePrivateData,
    o.mountParent,
    o.mountMountpoint,
  ];
}

/** The parameters of a launch: start at the root's first exec, or at the entrypoint whose argv hashes so. */
function launchParams(pid: number, startAt: { argv: string[] } | undefined): number[] {
  const hash = startAt ? argvHash(startAt.argv) : { argc: 0, low: 0, high: 0 };
  return programParams(pid, startAt ? 1 : 0, [hash.argc, hash.low, hash.high]);
}

/** Continue the workload and wait for it, and for descendants that outlived it (daemons, as under strace -f). */
export async function runToEnd(w: StoppedWorkload, live: Set<number>) {
  process.kill(w.pid, 'SIGCONT');
  const ended = await w.done;
  while ([...live].some((t) => procState(t) !== null && procState(t) !== 'Z')) await sleep(50);
  return ended;
}

/** Run `argv` under bpftrace writing tracewall's log to opts.logFile; resolves when the workload and its descendants ended. */
export async function traceWithBpftrace(argv: string[], opts: BpftraceOptions): Promise<BpftraceResult> {
  if (argv.length === 0) throw badInput('nothing to trace: the command is empty (expected `-- COMMAND [ARG...]`)');
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const tracerVersion = await checkBpftrace(env);
  resolveCommand(argv[0]!, env, cwd);
  const stdio = opts.stdio ?? 'inherit';
  const w = await startStopped(argv, env, cwd, stdio);
  let tracer: Tracer | undefined;
  const logFd = fs.openSync(opts.logFile, 'w');
  try {
    tracer = await startTracer(launchParams(w.pid, opts.startAt), logFd, env, opts.attachTimeoutMs, tracerVersion);
    const live = tracer.live;
    // The workload gets a stop request's signal (all of it, or the runtime only), then SIGKILL after the grace period.
    const graceMs = opts.graceMs ?? GRACE_MS.command;
    const watch = watchInterruption(opts.interrupt, graceMs, {
      stop: (sig) => signalAll(opts.forward === 'root' ? [w.pid] : [w.pid, ...live], sig),
      kill: () => signalAll([w.pid, ...live], 'SIGKILL'),
    });
    let ended: { code: number | null; signal: NodeJS.Signals | null };
    opts.onProgress?.({ kind: 'tracing', tracer: 'bpftrace', version: tracerVersion });
    try {
      ended = await runToEnd(w, live);
    } finally {
      watch.dispose();
    }
    const warnings = await tracer.stop();
    const output = stdio === 'pipe' ? w.output() : {};
    const interrupted = watch.interrupted();
    return { exitCode: ended.code, signal: ended.signal, tracerVersion, interrupted, warnings, ...output };
  } finally {
    fs.closeSync(logFd);
    if (w.child.exitCode === null && w.child.signalCode === null) signalAll([w.pid], 'SIGKILL');
    if (tracer) signalAll([...tracer.live], 'SIGKILL');
    await w.done;
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

/** Reads a kernel tracer's output (bpftrace's, the ebpf loader's: the same lines) as it comes: copies it to the log,
 * tracks READY, the live processes and the A line, and puts tracewall's own lines between its lines. */
export class OutputReader {
  readonly live = new Set<number>();
  ready = false;
  begun = '';
  private carry = '';
  private notes: string[] = [];

  constructor(private readonly logFd: number) {}

  data(d: Buffer): void {
    fs.writeSync(this.logFd, d);
    const lines = (this.carry + d.toString('latin1')).split('\n');
    this.carry = lines.pop() ?? '';
    for (const l of lines) this.line(l);
    if (this.carry === '') this.flushNotes();
  }

  private line(l: string): void {
    if (l === 'READY') this.ready = true;
    else if (l.startsWith('F ')) this.live.add(Number(l.split(' ')[3]));
    else if (l.startsWith('A ')) {
      this.live.add(Number(l.split(' ')[2]));
      this.begun = l.split(' ')[1]!;
    } else if (l.startsWith('Q ')) this.live.delete(Number(l.split(' ')[2]));
  }

  /** tracewall's own lines go between bpftrace's, never inside one. */
  note(lines: string[]): void {
    this.notes.push(...lines);
    if (this.carry === '') this.flushNotes();
  }

  /** After bpftrace ended: end a line it cut short, then write what is still waiting. */
  finish(): void {
    if (this.carry !== '') fs.writeSync(this.logFd, '\n');
    this.carry = '';
    this.flushNotes();
  }

  private flushNotes(): void {
    if (this.notes.length === 0) return;
    fs.writeSync(this.logFd, this.notes.map((l) => `${l}\n`).join(''));
    this.notes = [];
  }
}

/** Wait until bpftrace printed READY (every probe attached); toolMissing (exit 3) with its reason when it cannot. */
async function waitReady(
  r: OutputReader,
  running: () => boolean,
  done: Promise<unknown>,
  why: () => string,
  ms: number,
) {
  const deadline = Date.now() + ms;
  while (!r.ready) {
    if (!running()) {
      await done;
      throw toolMissing(`bpftrace could not attach its probes: ${attachFailure(why())}`);
    }
    if (Date.now() > deadline)
      throw toolMissing(
        `bpftrace did not attach its probes within ${Math.round(ms / 1000)} s: ${attachFailure(why())}`,
      );
    await sleep(10);
  }
}

/** How long bpftrace gets to print its maps and detach after SIGINT: seconds on a busy machine (20 s was not always
 * enough with the load average at 20 on 2 cores, and without its maps a recording has no syscall counts at all). */
const STOP_MS = 60_000;

/** SIGINT bpftrace (it prints its maps then) and wait for it to end; warnings when it had to be killed. */
async function stopBpftrace(child: ChildProcess, done: Promise<unknown>, kill: () => Promise<void>): Promise<string[]> {
  await sleep(200);
  child.kill('SIGINT');
  let stopTimer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    done,
    new Promise<null>((r) => {
      stopTimer = setTimeout(() => r(null), STOP_MS);
    }),
  ]);
  clearTimeout(stopTimer);
  if (stopped !== null) return [];
  await kill();
  return [`bpftrace did not stop within ${STOP_MS / 1000} s of SIGINT and was killed: its counts may be missing`];
}

/** Start bpftrace on tracewall's program with positional `params`, writing the log header and its output to `logFd`;
 * resolves once every probe is attached (READY), throws toolMissing (exit 3) with bpftrace's reason when it cannot attach. */
export async function startTracer(
  params: number[],
  logFd: number,
  env: NodeJS.ProcessEnv,
  attachTimeoutMs = 60_000,
  version = 'unknown',
): Promise<Tracer> {
  fs.writeSync(logFd, `${BPFTRACE_LOG_HEADER}\n# tracewall: tracer bpftrace ${version}\n`);
  const child = spawn(
    findBpftrace(env) ?? 'bpftrace',
    ['--no-warnings', '-B', 'line', BPFTRACE_PROGRAM, ...params.map(String)],
    {
      env: { ...process.env, BPFTRACE_STRLEN: '128', BPFTRACE_MAP_KEYS_MAX: '65536', BPFTRACE_PERF_RB_PAGES: '256' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const reader = new OutputReader(logFd);
  let tracerErr = '';
  child.stderr!.on('data', (d: Buffer) => {
    tracerErr += d.toString();
  });
  child.stdout!.on('data', (d: Buffer) => reader.data(d));
  const done = waitClose(child);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (): Promise<void> => {
    if (!running()) return;
    child.kill('SIGKILL');
    await done;
  };
  try {
    await waitReady(reader, running, done, () => tracerErr, attachTimeoutMs);
  } catch (err) {
    await kill();
    throw err;
  }
  return {
    live: reader.live,
    exited: () => !running(),
    kill,
    begin: (timeoutMs = 15_000) => beginRecording(reader, child, running, kill, () => tracerErr, timeoutMs),
    note: (lines) => reader.note(lines),
    stop: async () => {
      const warnings = await stopBpftrace(child, done, kill);
      await sleep(0);
      reader.finish();
      return warnings;
    },
  };
}

/** Attach modes: signal the program (its kill probe sees tracewall's call) until its A line says recording started. */
async function beginRecording(
  r: OutputReader,
  child: ChildProcess,
  running: () => boolean,
  kill: () => Promise<void>,
  why: () => string,
  timeoutMs: number,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!r.begun) {
    if (!running()) throw toolMissing(`bpftrace ended before recording started: ${attachFailure(why())}`);
    if (Date.now() > until) {
      await kill();
      throw toolMissing(
        `bpftrace did not start recording within ${Math.round(timeoutMs / 1000)} s of attaching (its program never saw tracewall's signal)`,
      );
    }
    process.kill(child.pid!, 0);
    await sleep(10);
  }
  return r.begun;
}
