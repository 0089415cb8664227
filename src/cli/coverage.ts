// Printing the coverage report of several runs and the convergence verdict (merge, generate, check), and writing the
// report as JSON on request.
import { coverageOf, type CoverageReport } from '../analyze/coverage.js';
import { formatCoverageJson, formatCoverageText, verdictText } from '../analyze/coverage-format.js';
import type { Recording } from '../recording/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { badInput } from '../errors.js';

/** --converge-runs K: a positive integer (the default, 3, when not given). */
export function convergeRunsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(value))
    throw badInput(`--converge-runs ${JSON.stringify(value)} is not valid; expected a positive integer`);
  return Number(value);
}

/**
 * Write the coverage text with `write` (when there are at least `minRuns` runs), then the convergence verdict (with
 * `warn`, a warning that the profile may be incomplete when the runs have not converged), and the JSON to `jsonFile`.
 */
export function reportCoverage(
  recordings: readonly Recording[],
  opts: { jsonFile?: string; minRuns: number; convergeRuns?: number; warn?: boolean; write: (text: string) => void },
): CoverageReport {
  return printCoverage(
    coverageOf(recordings, opts.convergeRuns === undefined ? {} : { convergeRuns: opts.convergeRuns }),
    opts,
  );
}

/** reportCoverage of a report already made (a CoverageFold's). */
export function printCoverage(
  report: CoverageReport,
  opts: { jsonFile?: string; minRuns: number; warn?: boolean; write: (text: string) => void },
): CoverageReport {
  if (report.runs.length >= opts.minRuns) opts.write(formatCoverageText(report));
  const lines = [`tracewall: ${verdictText(report)}`];
  if (opts.warn === true && report.convergence.state !== 'converged')
    lines.push(
      'tracewall: warning: the runs have not converged: the profile may deny a code path no run took yet; record more runs before enforcing it',
    );
  opts.write(lines.join('\n') + '\n');
  if (opts.jsonFile !== undefined) {
    writeFileAtomic(opts.jsonFile, formatCoverageJson(report));
    opts.write(`tracewall: wrote ${opts.jsonFile}\n`);
  }
  return report;
}
