// The report for tools: versioned, sorted keys, findings in report order.
import { stableJson } from '../util/json.js';
import { summaryLine } from './summary.js';
import type { DiffReport } from './types.js';

/** Version of the JSON diff format; bumped when a field changes meaning. */
export const DIFF_JSON_VERSION = 1;

/** The JSON report (stable bytes); `listed` says which findings a view left out of `findings` (the summary counts all). */
export function formatJson(
  report: DiffReport,
  listed?: { minRisk?: string; summaryOnly?: boolean; hidden: number },
): string {
  return stableJson({
    format: 'tracewall-diff',
    formatVersion: DIFF_JSON_VERSION,
    family: report.family,
    old: report.old,
    new: report.new,
    summary: { ...report.summary, text: summaryLine(report) },
    findings: report.findings,
    ...(listed === undefined ? {} : { listed }),
  });
}
