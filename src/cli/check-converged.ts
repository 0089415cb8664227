// `check --require-converged`: the convergence verdict of the recordings (in the order given) as a CI gate, with or
// without the comparison with committed profiles.
import { coverageOf, type CoverageReport } from '../analyze/coverage.js';
import { formatConvergenceText, formatCoverageJson, verdictText } from '../analyze/coverage-format.js';
import { formatCoverageMarkdown } from '../analyze/coverage-markdown.js';
import type { DiffFormat } from '../diff/format.js';
import type { Recording } from '../recording/types.js';

/** The coverage report and verdict of the recordings, K = `convergeRuns` (default 3). */
export function convergenceOf(recordings: readonly Recording[], convergeRuns: number | undefined): CoverageReport {
  return coverageOf(recordings, convergeRuns === undefined ? {} : { convergeRuns });
}

/** The convergence document in a report format: the learning curve and the verdict. */
export function formatConvergence(report: CoverageReport, format: DiffFormat): string {
  switch (format) {
    case 'text':
      return formatConvergenceText(report);
    case 'markdown':
      return formatCoverageMarkdown(report);
    case 'json':
      return formatCoverageJson(report);
  }
}

/** The verdict line check prints on stderr; true when the runs converged. */
export function convergenceGate(report: CoverageReport, stderr: (text: string) => void): boolean {
  stderr(`tracewall: check: ${verdictText(report)}\n`);
  return report.convergence.state === 'converged';
}
