// The CLI's edge: SIGINT/SIGTERM to tracewall become the AbortSignals library code takes (a first signal stops the
// run, a second kills what is left).
import type { Interruption } from '../trace/interrupt.js';

/** An Interruption fed by this process's SIGINT/SIGTERM until disposed. */
export function signalInterruption(): Required<Interruption> & { dispose(): void } {
  const stop = new AbortController();
  const kill = new AbortController();
  const on = (sig: NodeJS.Signals) => (): void => {
    if (stop.signal.aborted) kill.abort(sig);
    else stop.abort(sig);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    stop: stop.signal,
    kill: kill.signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
