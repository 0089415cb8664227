// Running `docker run` / `podman run` in the foreground: output and exit status pass through; a stop request stops the
// container the way `docker stop` does (a second one kills it), so the run still ends and can be recorded.
import { execa } from 'execa';
import { GRACE_MS, watchInterruption, type Interruption } from '../trace/interrupt.js';

/** How the engine's run command ended. */
export interface EngineRunResult {
  /** The CLI's exit code: the container's own status, or the engine's error (docker 125-127). */
  exitCode: number | null;
  signal: string | null;
  /** The signal of the first stop request while the container ran, or null. */
  interrupted: NodeJS.Signals | null;
}

/** What the runner needs to stop the container on a signal. */
export interface EngineRunControl {
  /** The container id, once the engine has written it. */
  containerId: () => string | undefined;
  stop: (id: string) => Promise<void>;
  kill: (id: string) => Promise<void>;
}

/** Run `argv` (the engine CLI) with tracewall's stdio; resolves when the CLI has exited. */
export async function runEngine(
  argv: readonly string[],
  control: EngineRunControl,
  interrupt?: Interruption,
): Promise<EngineRunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  const child = execa(file, args, { reject: false, stdio: 'inherit', stripFinalNewline: false });
  const watch = watchInterruption(interrupt, GRACE_MS.container, {
    // Before the container exists only the CLI can be told; once it does, the engine stops it (docker stop).
    stop: (sig) => {
      const id = control.containerId();
      if (id) void control.stop(id).catch(() => undefined);
      else child.kill(sig);
    },
    kill: () => {
      const id = control.containerId();
      if (id) void control.kill(id).catch(() => undefined);
      child.kill('SIGKILL');
    },
  });
  try {
    const r = await child;
    const first = watch.interrupted();
    if (r.exitCode === undefined && r.signal === undefined && r.code === 'ENOENT') {
      return { exitCode: 127, signal: null, interrupted: first };
    }
    return { exitCode: r.exitCode ?? null, signal: r.signal ?? null, interrupted: first };
  } finally {
    watch.dispose();
  }
}
