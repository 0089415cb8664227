// Running a bundle untraced with crun or runc, optionally under an injected seccomp profile, leaving nothing behind.
import os from 'node:os';
import { execa } from 'execa';
import { badInput } from '../errors.js';
import { prepareBundle, readBundle } from './runtime-config.js';
import { deleteContainerSync, runtimeCommand, uniqueContainerId, type RuntimeName } from './runtime-command.js';

/** How to run a bundle. */
export interface RunOptions {
  /** A linux.seccomp object to enforce instead of the bundle's own. */
  seccomp?: object;
  /** Stop the container (SIGKILL) after this long; the result then has timedOut set. */
  timeoutMs?: number;
  /** Text for the container's stdin; without it stdin is /dev/null. */
  stdin?: string;
  /** Container id; a unique one by default. */
  id?: string;
}

/** How a container run ended. exitCode is the runtime's, which passes the container's own status through. */
export interface RunResult {
  id: string;
  exitCode: number | null;
  /** The signal that ended the runtime process itself (null when it exited). */
  signal: string | null;
  /** The signal that ended the container's init, as the runtime reports it with exit status 128+N (SIGSYS for a seccomp kill). */
  exitSignal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A container started in the background. */
export interface RunningBundle {
  id: string;
  /** Host pid of the runtime process (crun or runc). */
  pid: number;
  /** Settles when the runtime has exited and the container state has been deleted. */
  done: Promise<RunResult>;
  /** Signal the runtime (it forwards to the container's init), SIGKILL the container after graceMs, and wait for done. */
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<RunResult>;
}

const live = new Map<string, { runtime: RuntimeName; pid: number }>();

/** Start a bundle in the background (untraced). */
export function startBundle(bundleDir: string, runtime: RuntimeName, opts: RunOptions = {}): RunningBundle {
  const bundle = readBundle(bundleDir);
  const id = opts.id ?? uniqueContainerId();
  const prepared = prepareBundle(bundle, opts.seccomp === undefined ? {} : { seccomp: opts.seccomp });
  let command;
  try {
    command = runtimeCommand(prepared.dir, runtime, { id });
  } catch (err) {
    prepared.remove();
    throw err;
  }
  const [file, ...args] = command.argv as [string, ...string[]];
  // Own process group, so a stuck runtime and any helper it left can be killed together.
  const child = execa(file, args, {
    reject: false,
    detached: true,
    cleanup: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    ...(opts.stdin === undefined ? { stdin: 'ignore' as const } : { input: opts.stdin }),
  });
  const pid = child.pid;
  if (pid === undefined) {
    prepared.remove();
    throw badInput(`could not start ${file}`);
  }
  live.set(id, { runtime, pid });

  let timedOut = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const kill = (graceMs: number): void => {
    // SIGKILL the container's init (pid namespace: all its processes die with it), then the runtime's group if it lingers.
    void execa(runtime, ['kill', id, 'KILL'], { reject: false, stdin: 'ignore', timeout: 10_000 });
    forceTimer ??= setTimeout(() => killGroup(pid), graceMs);
  };
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill(2_000);
        }, opts.timeoutMs);

  const done = (async (): Promise<RunResult> => {
    try {
      const r = await child;
      const exitCode = r.exitCode ?? null;
      return {
        id,
        exitCode,
        signal: r.signal ?? null,
        exitSignal: exitCode !== null && exitCode > 128 && exitCode < 128 + 65 ? signalName(exitCode - 128) : null,
        stdout: String(r.stdout ?? ''),
        stderr: String(r.stderr ?? ''),
        timedOut,
      };
    } finally {
      if (timer) clearTimeout(timer);
      if (forceTimer) clearTimeout(forceTimer);
      await command.cleanup();
      killGroup(pid);
      live.delete(id);
      prepared.remove();
    }
  })();

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<RunResult> => {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
    const grace = setTimeout(() => kill(2_000), graceMs);
    try {
      return await done;
    } finally {
      clearTimeout(grace);
    }
  };
  return { id, pid, done, stop };
}

/** Run a bundle to completion (untraced), optionally under `seccomp`; the container state is always deleted. */
export async function runBundle(bundleDir: string, runtime: RuntimeName, opts: RunOptions = {}): Promise<RunResult> {
  return startBundle(bundleDir, runtime, opts).done;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* group gone */
  }
}

function signalName(n: number): string | null {
  const entry = Object.entries(os.constants.signals).find(([, v]) => v === n);
  return entry ? entry[0] : null;
}

/**
 * Kill and delete, synchronously, every container started here that is still running: for the CLI to call when the
 * process exits early (library code installs no process hooks).
 */
export function deleteLiveContainersSync(): void {
  for (const [id, { runtime, pid }] of live) {
    killGroup(pid);
    deleteContainerSync(runtime, id);
  }
}
