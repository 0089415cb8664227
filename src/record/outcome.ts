// What every kind of recording run says the same way: the exit status passed on, and the warnings a run's own course
// calls for (interrupted, the tracer died, the entrypoint never ran).
import os from 'node:os';

/** The exit status a shell would report for the workload's end. */
export function passThroughStatus(exitCode: number | null, signal: string | null): number {
  if (signal) return 128 + (os.constants.signals[signal as keyof typeof os.constants.signals] ?? 0);
  return exitCode ?? 0;
}

/** A recording stopped early by a stop request. */
export function interruptedWarning(signal: NodeJS.Signals, what: string): string {
  return `recording interrupted by ${signal}: ${what}, so the recording may be incomplete`;
}

/** strace ended while the workload ran; the processes it left were killed. */
export function tracerDiedWarning(died: { how: string; leftovers: number }): string {
  const n = died.leftovers;
  return `the tracer (strace) ended, ${died.how}, while the workload was still running: the recording stops there, and the ${n} workload process${n === 1 ? '' : 'es'} it left running ${n === 1 ? 'was' : 'were'} killed`;
}

/** A container whose entrypoint never ran: nothing of it is in the recording. */
export function neverStartedWarning(argv: string[], whose: string): string {
  return `the entrypoint ${JSON.stringify(argv)} was never executed: the container did not start (see ${whose} error above)`;
}
