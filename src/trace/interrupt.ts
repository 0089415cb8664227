// How a run is asked to stop early, and the one grace-period policy every tracer follows. The CLI turns SIGINT/SIGTERM
// into these AbortSignals (src/cli/signals.ts); library code never listens for process signals itself.

/** Requests to end a run early. */
export interface Interruption {
  /** Stop: the workload gets this signal (the abort reason, SIGINT or SIGTERM) and the grace period to end. */
  stop?: AbortSignal;
  /** Kill now whatever is left (a second Ctrl-C). */
  kill?: AbortSignal;
}

/**
 * How long a workload gets after a forwarded signal before it is killed: a command as a terminal would give it; a
 * container what `docker stop` gives (its default).
 */
export const GRACE_MS = { command: 3000, container: 10_000 } as const;

/** The signal an abort asked for (its reason), SIGTERM when it named none. */
export function stopSignal(signal: AbortSignal): NodeJS.Signals {
  const r: unknown = signal.reason;
  return r === 'SIGINT' || r === 'SIGTERM' || r === 'SIGHUP' ? r : 'SIGTERM';
}

/** What a tracer does on a stop request (forward the signal) and when the grace period is over (kill). */
export interface InterruptHandlers {
  stop: (signal: NodeJS.Signals) => void;
  kill: () => void;
}

/** A watch on an Interruption for the length of one run. */
export interface InterruptWatch {
  /** The signal of the first stop request, or null. */
  interrupted(): NodeJS.Signals | null;
  /** Stop watching (the run is over). */
  dispose(): void;
}

/**
 * Watch `i`: on a stop request call `h.stop` with its signal and `h.kill` once `graceMs` have passed; on a kill request
 * (or a second stop) call `h.kill` at once. A request made before the watch began is handled at once.
 */
export function watchInterruption(i: Interruption | undefined, graceMs: number, h: InterruptHandlers): InterruptWatch {
  let first: NodeJS.Signals | null = null;
  let timer: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    if (first !== null) return h.kill();
    first = stopSignal(i!.stop!);
    h.stop(first);
    timer = setTimeout(h.kill, graceMs);
    timer.unref();
  };
  const onKill = (): void => h.kill();
  i?.stop?.addEventListener('abort', onStop, { once: true });
  i?.kill?.addEventListener('abort', onKill, { once: true });
  if (i?.stop?.aborted) setImmediate(onStop);
  if (i?.kill?.aborted) setImmediate(onKill);
  return {
    interrupted: () => first,
    dispose: () => {
      i?.stop?.removeEventListener('abort', onStop);
      i?.kill?.removeEventListener('abort', onKill);
      clearTimeout(timer);
    },
  };
}
