// A closed stdout or stderr (`tracewall diff ... | head -1`): tracewall ends quietly with 141, the status a shell reports
// for a program killed by SIGPIPE, never with one of the verbs' own codes (0 ok, 1 check failed, 2 bad input, 3 tool).
import { ExitCode } from '../errors.js';

/** The exit status when stdout or stderr was closed before all was written: 128 + SIGPIPE (13), as a shell reports it. */
export const CLOSED_PIPE_EXIT = 141;

const stdoutGone = new AbortController();
let closed: 'stdout' | 'stderr' | undefined;
let writeFailure: string | undefined;

/** Aborted when stdout's reader goes away: a verb that relays a workload's output (record --pty) stops it. */
export const stdoutClosed: AbortSignal = stdoutGone.signal;

/** Which stream was closed first, if any. */
export function closedStream(): 'stdout' | 'stderr' | undefined {
  return closed;
}

function isClosedPipe(err: NodeJS.ErrnoException): boolean {
  // After EPIPE the stream is destroyed: later writes fail with ERR_STREAM_DESTROYED.
  return err.code === 'EPIPE' || (closed !== undefined && err.code === 'ERR_STREAM_DESTROYED');
}

function onError(name: 'stdout' | 'stderr', err: NodeJS.ErrnoException): void {
  if (isClosedPipe(err)) {
    closed ??= name;
    if (name === 'stdout') stdoutGone.abort();
    return;
  }
  // Another failure (a full disk behind `> FILE`): say so where it can still be read, and exit as for any unwritable file.
  writeFailure ??= `cannot write to ${name}: ${err.code ?? err.message}`;
  if (name === 'stdout') process.stderr.write(`tracewall: ${writeFailure}\n`);
}

/**
 * Catch write errors on stdout and stderr for the rest of the process, so none of them crashes it; at exit, a closed
 * pipe gives 141 and another write failure 2, whatever the verb returned (its output did not all arrive).
 */
export function watchOutput(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => onError('stdout', err));
  process.stderr.on('error', (err: NodeJS.ErrnoException) => onError('stderr', err));
  process.on('exit', () => {
    if (closed !== undefined) process.exitCode = CLOSED_PIPE_EXIT;
    else if (writeFailure !== undefined) process.exitCode = ExitCode.badInput;
  });
}
