// The verify report for tools: sorted keys, sorted lists, nothing that changes from run to run but the results.
import { stableJson } from '../util/json.js';
import { TOOL_VERSION } from '../version.js';
import { verifyExitCode } from './exit-code.js';
import { errnoDenialsReported } from './errno-reporting.js';
import type { VerifyReport } from './types.js';

/** Version of the JSON report's shape. */
export const VERIFY_REPORT_VERSION = 1;

/** The report as deterministic JSON, with its verdict. */
export function formatVerifyJson(report: VerifyReport): string {
  return stableJson({
    reportVersion: VERIFY_REPORT_VERSION,
    tool: { name: 'tracewall', version: TOOL_VERSION },
    ...report,
    result: {
      denied: report.denials.length,
      errnoDenialsReported: errnoDenialsReported(report),
      exitCode: verifyExitCode(report),
    },
  });
}
