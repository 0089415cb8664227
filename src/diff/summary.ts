// The one-line summary of a report: "N added (c critical, h high, ...), M removed (...)", or "no differences".
import { total } from './report.js';
import { DIFF_RISKS, type DiffReport, type RiskCounts } from './types.js';

function breakdown(counts: RiskCounts): string {
  const parts = DIFF_RISKS.filter((r) => counts[r] > 0).map((r) => `${counts[r]} ${r}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** Whether the report counts any change (a report listing only some findings still counts them all). */
export function hasChanges(report: DiffReport): boolean {
  const s = report.summary;
  return total(s.added) + total(s.removed) + total(s.changed) > 0;
}

/** The summary line (no trailing newline). */
export function summaryLine(report: DiffReport): string {
  if (!hasChanges(report)) return 'no differences';
  const s = report.summary;
  const parts = [`${total(s.added)} added${breakdown(s.added)}`, `${total(s.removed)} removed${breakdown(s.removed)}`];
  if (total(s.changed) > 0) parts.push(`${total(s.changed)} changed${breakdown(s.changed)}`);
  return parts.join(', ');
}

/** The widening counts as a line: what --fail-on looks at. */
export function wideningLine(report: DiffReport): string {
  const n = total(report.summary.widening);
  return `${n} widening${breakdown(report.summary.widening)}`;
}
