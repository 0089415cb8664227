// Running a command under strace: the flags that make a complete, parseable log, exit status pass-through, clean interruption.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { execa } from 'execa';
import { badInput, toolMissing } from '../errors.js';
import { runInPty } from './strace-pty.js';
import { signalAll, traceesOf, TraceeSet } from './strace-tracees.js';
import { rawCalls } from '../syscalls/semantics.js';
import { GRACE_MS, watchInterruption, type Interruption } from './interrupt.js';
import { countLogLines, type ProgressSink } from './progress.js';

/**
 * strace's arguments for a recording log. -f follows forks and threads; --quiet=attach drops attach/detach noise but keeps
 * exit/kill lines and personality switches (plain -o implies -q, which hides the latter); -A appends to the log, which
 * tracewall starts with a `# tracewall: started EPOCH` line and ends with `# tracewall: ended EPOCH` (see stampLine), so
 * start and end come from the log itself: a timestamp on every line (-ttt) cost strace about 13% of a server's
 * throughput here, measured side by side; -n prints the syscall number actually used (i386 socketcall/ipc subcalls are
 * otherwise shown under the subcall's name); -yy decodes fds to paths and socket addresses; -s 4096 keeps argv and
 * strings whole; --decode-pids=pidns adds host pids when tracing into a pid namespace (containers). -e raw=... prints the
 * hot data-transfer calls (RAW_CALLS) as bare hex numbers: the builder reads nothing from them but their name, number and
 * result, and skipping the buffer dump and the -yy fd lookup of each call is what keeps strace's own cost down on
 * syscall-heavy workloads. Their errors still print as `= -1 EBADF (...)`. sendto/sendmsg stay decoded (connect facts).
 */
export function straceArgs(logFile: string, extra: { pidns?: boolean } = {}): string[] {
  return [
    '-f',
    '--quiet=attach',
    '-A',
    '-n',
    '-yy',
    '-s',
    '4096',
    '-e',
    `raw=${RAW_CALLS.join(',')}`,
    ...(extra.pidns ? ['--decode-pids=pidns'] : []),
    '-o',
    logFile,
  ];
}

/**
 * Calls strace logs undecoded (see straceArgs): the table's raw rows (src/syscalls/semantics.ts), none of whose arguments
 * feeds the Recording — the data-transfer calls, and the waits, closes and socket options a server makes per request,
 * whose fds -yy would otherwise look up each time.
 */
export const RAW_CALLS: readonly string[] = rawCalls();

/** The line tracewall writes first (started) and last (ended) in a strace log: the epoch time in microseconds. */
export function stampLine(kind: 'started' | 'ended', epochMs = performance.timeOrigin + performance.now()): string {
  const us = Math.round(epochMs * 1000);
  return `# tracewall: ${kind} ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}\n`;
}

/** The line tracewall writes second in a log: which tracer (and version) made it, so a rebuilt recording says so too. */
export function versionLine(tracer: 'strace' | 'bpftrace', version: string): string {
  return `# tracewall: tracer ${tracer} ${version}\n`;
}

/** The tracer version a log's own version line names, or undefined for logs made before tracewall wrote one. */
export function logTracerVersion(text: string): string | undefined {
  const m = /^# tracewall: tracer \S+ (\S+)$/m.exec(text.slice(0, 4096));
  return m ? m[1] : undefined;
}

const INSTALL_HINT = 'install the Debian package strace (apt-get install strace)';

let versionPromise: Promise<string> | undefined;

/** strace's version ("6.1"); a missing strace is a toolMissing error (exit 3). */
export function straceVersion(): Promise<string> {
  versionPromise ??= (async () => {
    const r = await execa('strace', ['-V'], { reject: false, timeout: 10_000, stdin: 'ignore' });
    if (r.failed && r.exitCode === undefined) {
      versionPromise = undefined;
      throw toolMissing(`strace is not available (${r.code ?? r.shortMessage}): ${INSTALL_HINT}`);
    }
    const m = /version\s+(\S+)/.exec(String(r.stdout));
    return m ? m[1]! : 'unknown';
  })();
  return versionPromise;
}

let ptracePromise: Promise<void> | undefined;

/** Check once that strace can trace here (ptrace may be forbidden by yama, seccomp or a container); toolMissing if not. */
export function checkPtrace(): Promise<void> {
  ptracePromise ??= (async () => {
    const probe = fs.existsSync('/bin/true') ? ['/bin/true'] : [process.execPath, '-e', ''];
    const r = await execa('strace', ['-f', '-qq', '-o', '/dev/null', '--', ...probe], {
      reject: false,
      timeout: 15_000,
      stdin: 'ignore',
    });
    if (r.exitCode === 0) return;
    ptracePromise = undefined;
    if (r.exitCode === undefined && r.code === 'ENOENT') throw toolMissing(`strace is not available: ${INSTALL_HINT}`);
    const line =
      String(r.stderr)
        .split('\n')
        .find((l) => l.trim() !== '') ??
      r.shortMessage ??
      `exit code ${String(r.exitCode)}`;
    const hint = /ptrace|not permitted/i.test(line)
      ? '; allow ptrace (run as root, set kernel.yama.ptrace_scope to 0 or 1, or give the container CAP_SYS_PTRACE and a seccomp profile that permits ptrace)'
      : '';
    throw toolMissing(`strace cannot trace on this machine: ${line.trim()}${hint}`);
  })();
  return ptracePromise;
}

/** How to run the traced command. */
export interface TraceOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run in a pseudo-terminal (node-pty) for workloads that need one. */
  pty?: boolean;
  /** Add --decode-pids=pidns (tracing a container runtime). */
  pidns?: boolean;
  /** 'inherit' (default) shares tracewall's terminal; 'pipe' captures stdout/stderr (stdin is closed). */
  stdio?: 'inherit' | 'pipe';
  /** Requests to stop the workload early (the CLI's SIGINT/SIGTERM). */
  interrupt?: Interruption;
  /** Told when the workload runs traced, then about once a second how many lines strace has logged. */
  onProgress?: ProgressSink;
  /** How long the workload gets after a forwarded signal before it is killed (ms; default GRACE_MS.command). */
  graceMs?: number;
  /**
   * Who gets a forwarded SIGINT/SIGTERM: 'all' traced processes (as a terminal's Ctrl-C reaches a process group; the
   * default), or only the 'root' command (a container runtime, which passes it on to the container's init as
   * `docker stop` does, so the recorded shutdown is the one the app will really see).
   */
  forward?: 'all' | 'root';
}

/** How the traced command ended. */
export interface TraceResult {
  /** The workload's exit code (strace exits with it), or null when it died by a signal. */
  exitCode: number | null;
  /** The signal that ended the workload (strace re-raises it on itself), or null. */
  signal: string | null;
  tracerVersion: string;
  stdout?: string;
  stderr?: string;
  /** The signal (SIGINT/SIGTERM) that made tracewall stop the workload early, or null when it ran to its end. */
  interrupted: NodeJS.Signals | null;
  /**
   * Set when strace ended while workload processes were still running (it was killed, or crashed): how it ended and how
   * many processes it left, which tracewall then killed. The log stops where strace did. Null normally.
   */
  tracerDied: { how: string; leftovers: number } | null;
}

/** How often the tracees are listed while strace runs, so that those it leaves behind if it dies can be killed (ms). */
const TRACEE_POLL_MS = 250;

/**
 * Stop requests: the signal goes to the tracees (strace blocks fatal signals when it runs a command with -o, so the
 * workload itself must get it): all of them, or the root command only. Kill: every tracee, then, should strace not
 * exit once they are gone, strace and whatever it still held.
 */
function interruptHandlers(tracerPid: () => number | undefined, graceMs: number, forward: 'all' | 'root') {
  let timer: NodeJS.Timeout | undefined;
  return {
    clear: (): void => clearTimeout(timer),
    stop: (sig: NodeJS.Signals): void => {
      const pid = tracerPid();
      if (pid !== undefined) signalAll(traceesOf(pid, forward === 'root'), sig);
    },
    kill: (): void => {
      const pid = tracerPid();
      if (pid === undefined) return;
      signalAll(traceesOf(pid), 'SIGKILL');
      timer = setTimeout(() => {
        signalAll(traceesOf(pid), 'SIGKILL');
        signalAll([pid], 'SIGKILL');
      }, graceMs);
      timer.unref();
    },
  };
}

function envOf(env: NodeJS.ProcessEnv | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? process.env)) if (v !== undefined) out[k] = v;
  return out;
}

type RunResult = Omit<TraceResult, 'interrupted' | 'tracerVersion' | 'tracerDied'>;

/** Run strace with `args` in a pty or with plain stdio; `onSpawn` learns its pid. */
async function runStrace(args: string[], opts: TraceOptions, onSpawn: (pid: number) => void): Promise<RunResult> {
  const stdio = opts.stdio ?? 'inherit';
  if (opts.pty) {
    const r = await runInPty('strace', args, { cwd: opts.cwd, env: envOf(opts.env), stdio, onSpawn });
    return { exitCode: r.exitCode, signal: r.signal, ...(stdio === 'pipe' ? { stdout: r.output, stderr: '' } : {}) };
  }
  const sub = execa('strace', args, {
    cwd: opts.cwd,
    env: envOf(opts.env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: stdio === 'pipe' ? 'ignore' : 'inherit',
    stdout: stdio,
    stderr: stdio,
  });
  if (sub.pid !== undefined) onSpawn(sub.pid);
  const r = await sub;
  if (r.exitCode === undefined && r.signal === undefined && r.code === 'ENOENT')
    throw toolMissing(`strace is not available: ${INSTALL_HINT}`);
  return {
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    ...(stdio === 'pipe' ? { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') } : {}),
  };
}

/** After strace exited: end the log with tracewall's own last line (a line strace cut short gets its end first). */
function endLog(logFile: string): void {
  try {
    const size = fs.statSync(logFile).size;
    const fd = fs.openSync(logFile, 'r');
    const last = Buffer.alloc(1);
    try {
      fs.readSync(fd, last, 0, 1, Math.max(0, size - 1));
    } finally {
      fs.closeSync(fd);
    }
    fs.appendFileSync(logFile, (size > 0 && last[0] !== 10 ? '\n' : '') + stampLine('ended'));
  } catch {
    // no log: nothing to end
  }
}

/** Run `argv` under strace writing the log to opts.logFile; resolves when the workload (and strace) ended. */
export async function traceCommand(argv: string[], opts: TraceOptions): Promise<TraceResult> {
  if (argv.length === 0) throw badInput('nothing to trace: the command is empty (expected `-- COMMAND [ARG...]`)');
  const tracerVersion = await straceVersion();
  await checkPtrace();
  const logFile = path.resolve(opts.logFile);
  const args = [...straceArgs(logFile, { pidns: opts.pidns }), '--', ...argv];
  fs.writeFileSync(logFile, stampLine('started') + versionLine('strace', tracerVersion));
  const graceMs = opts.graceMs ?? GRACE_MS.command;
  let pid: number | undefined;
  const handlers = interruptHandlers(() => pid, graceMs, opts.forward ?? 'all');
  const watch = watchInterruption(opts.interrupt, graceMs, handlers);
  const tracees = new TraceeSet();
  const poll = setInterval(() => {
    if (pid !== undefined) tracees.note(pid);
  }, TRACEE_POLL_MS);
  const lines = opts.onProgress ? countLogLines(logFile, opts.onProgress) : undefined;
  let result: RunResult;
  try {
    result = await runStrace(args, opts, (p) => {
      pid = p;
      opts.onProgress?.({ kind: 'tracing', tracer: 'strace', version: tracerVersion });
    });
  } finally {
    lines?.stop();
    clearInterval(poll);
    watch.dispose();
    handlers.clear();
    endLog(logFile);
  }
  // strace -f exits only after its last tracee, so anything still running is what it left behind when it died.
  const leftovers = tracees.killLeftovers();
  const how = result.signal ? `killed by ${result.signal}` : `exited with code ${String(result.exitCode)}`;
  const tracerDied = leftovers > 0 ? { how, leftovers } : null;
  const interrupted = watch.interrupted();
  if (!interrupted && !tracerDied && result.exitCode !== 0 && logIsEmpty(logFile)) {
    // strace never started the command (not found, not executable): there is nothing to record.
    const said = (result.stderr ?? result.stdout ?? '')
      .split('\n')
      .filter((l) => l.startsWith('strace: '))
      .join('; ');
    throw badInput(
      `cannot run ${JSON.stringify(argv[0])} under strace: ${said || 'strace did not start it (see its message above)'}`,
    );
  }
  return { ...result, tracerVersion, interrupted, tracerDied };
}

/** True when the log holds nothing but tracewall's own stamp lines. */
function logIsEmpty(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    let n: number;
    try {
      n = fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    return head
      .subarray(0, n)
      .toString('utf8')
      .split('\n')
      .every((l) => l === '' || l.startsWith('# tracewall: '));
  } catch {
    return true;
  }
}

/** A signal number as its name (15 → SIGTERM), or null. */
export function signalNameOf(n: number | undefined | null): string | null {
  if (!n) return null;
  for (const [name, num] of Object.entries(os.constants.signals)) if (num === n) return name;
  return `SIG${n}`;
}
