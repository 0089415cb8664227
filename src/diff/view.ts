// How much of a report a reader wants listed: everything, the findings at or above a risk level, or the summary only.
// The summary always counts every finding; the view only shortens the list.
import { atOrAbove } from './risk.js';
import type { DiffReport, DiffRisk } from './types.js';

/** What to list. */
export interface DiffView {
  /** List only findings at or above this level. */
  minRisk?: DiffRisk;
  /** List no findings at all. */
  summaryOnly?: boolean;
}

/** The report with only the findings to list, and how many were left out of the list. */
export function viewReport(report: DiffReport, view: DiffView): { report: DiffReport; hidden: number } {
  const listed = view.summaryOnly
    ? []
    : report.findings.filter((f) => view.minRisk === undefined || atOrAbove(f.risk, view.minRisk));
  return { report: { ...report, findings: listed }, hidden: report.findings.length - listed.length };
}
