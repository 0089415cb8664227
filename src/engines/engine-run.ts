// Running `docker run` / `podman run` in the foreground: output and exit status pass through; SIGINT/SIGTERM stop the
// container the way `docker stop` does (a second signal kills it), so the run still ends and can be recorded.
import { execa } from 'execa';

/** How the engine's run command ended. */
export interface EngineRunResult {
  /** The CLI's exit code: the container's own status, or the engine's error (docker 125-127). */
  exitCode: number | null;
  signal: string | null;
  /** The first SIGINT/SIGTERM tracewall got while the container ran, or null. */
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
export async function runEngine(argv: readonly string[], control: EngineRunControl): Promise<EngineRunResult> {
  const [file, ...args] = argv as [string, ...string[]];
  const child = execa(file, args, { reject: false, stdio: 'inherit', stripFinalNewline: false });
  let first: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    const id = control.containerId();
    if (first === null) {
      first = sig;
      // Before the container exists only the CLI can be told; once it does, the engine stops it.
      if (id) void control.stop(id).catch(() => undefined);
      else child.kill(sig);
      return;
    }
    if (id) void control.kill(id).catch(() => undefined);
    child.kill('SIGKILL');
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const r = await child;
    if (r.exitCode === undefined && r.signal === undefined && r.code === 'ENOENT') {
      return { exitCode: 127, signal: null, interrupted: first };
    }
    return { exitCode: r.exitCode ?? null, signal: r.signal ?? null, interrupted: first };
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
