// `tracewall reach RECORDING... [--format text|markdown|json]`: the syscalls the recorded programs' code can reach that
// no run made, each rated by risk with where it is in the code.
import { ExitCode } from '../errors.js';
import { readRecording } from '../recording/io.js';
import { reachReport } from '../reach/analyse.js';
import { cacheDir } from '../reach/cache.js';
import { formatReach, REACH_FORMATS } from '../reach/format.js';
import { oneOf } from './options.js';

/** Where the verb writes its report (a seam for tests). */
export interface ReachIo {
  stdout: (text: string) => void;
}
const PROCESS_IO: ReachIo = { stdout: (t) => process.stdout.write(t) };

/** Runs the verb; resolves to 0. Bad recordings and formats throw exit-2 errors, missing binutils exit 3. */
export async function reachCommand(
  files: string[],
  opts: { format: string },
  io: ReachIo = PROCESS_IO,
): Promise<number> {
  const format = oneOf('--format', opts.format, REACH_FORMATS);
  const recordings = files.map((file) => ({ name: file, recording: readRecording(file) }));
  const report = await reachReport(recordings, cacheDir());
  io.stdout(formatReach(report, format));
  return ExitCode.ok;
}
