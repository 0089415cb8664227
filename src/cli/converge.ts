// `tracewall converge RECORDING... [--format text|markdown|json] [--converge-runs K]`: the learning curve of runs made
// in order and the convergence verdict, as a document on stdout (check --require-converged is the CI gate).
import { ExitCode } from '../errors.js';
import { CONVERGE_FORMATS } from './choices.js';
import { convergenceOf, formatConvergence } from './check-converged.js';
import { convergeRunsFlag } from './coverage.js';
import { oneOf } from './options.js';
import { readRecordingsFor } from './read-recordings.js';

/** Where the verb writes its report (a seam for tests). */
export interface ConvergeIo {
  stdout: (text: string) => void;
}
const PROCESS_IO: ConvergeIo = { stdout: (t) => process.stdout.write(t) };

/** Runs the verb; resolves to 0 whatever the verdict. Bad recordings and flags throw exit-2 errors. */
export async function convergeCommand(
  files: string[],
  opts: { format: string; convergeRuns?: string },
  io: ConvergeIo = PROCESS_IO,
): Promise<number> {
  const format = oneOf('--format', opts.format, CONVERGE_FORMATS);
  const convergeRuns = convergeRunsFlag(opts.convergeRuns);
  const report = convergenceOf(readRecordingsFor('converge', files), convergeRuns);
  io.stdout(formatConvergence(report, format));
  return ExitCode.ok;
}
