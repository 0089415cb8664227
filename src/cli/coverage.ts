// Printing the coverage report of several runs (merge, generate) and writing it as JSON on request.
import { coverageOf } from '../analyze/coverage.js';
import { formatCoverageJson, formatCoverageText } from '../analyze/coverage-format.js';
import type { Recording } from '../recording/types.js';
import { writeFileAtomic } from '../util/atomic.js';

/** Write the coverage text with `write` (when there is more than `minRuns - 1` run) and the JSON to `jsonFile` when given. */
export function reportCoverage(
  recordings: readonly Recording[],
  opts: { jsonFile?: string; minRuns: number; write: (text: string) => void },
): void {
  const report = coverageOf(recordings);
  if (report.runs.length >= opts.minRuns) opts.write(formatCoverageText(report));
  if (opts.jsonFile !== undefined) {
    writeFileAtomic(opts.jsonFile, formatCoverageJson(report));
    opts.write(`tracewall: wrote ${opts.jsonFile}\n`);
  }
}
