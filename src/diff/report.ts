// Assembling a report: findings de-duplicated, sorted deterministically, counted; and the --fail-on decision.
import { byCodeUnit } from '../util/json.js';
import { riskRank, atOrAbove } from './risk.js';
import {
  CHANGES,
  DIFF_RISKS,
  type DiffFinding,
  type DiffReport,
  type DiffRisk,
  type DiffSide,
  type PolicyFamily,
  type RiskCounts,
} from './types.js';

const KEY_ORDER = (f: DiffFinding): string =>
  JSON.stringify([f.change, f.kind, f.subject, f.detail ?? '', f.risk, f.widens]);

/** Findings order: risk (critical first), then change, kind, subject, detail, in code-unit order. */
export function compareFindings(a: DiffFinding, b: DiffFinding): number {
  return (
    riskRank(b.risk) - riskRank(a.risk) ||
    CHANGES.indexOf(a.change) - CHANGES.indexOf(b.change) ||
    byCodeUnit(a.kind, b.kind) ||
    byCodeUnit(a.subject, b.subject) ||
    byCodeUnit(a.detail ?? '', b.detail ?? '') ||
    Number(b.widens) - Number(a.widens)
  );
}

function zero(): RiskCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/** A report of sorted, de-duplicated findings with counts by change and by widening. */
export function buildReport(
  family: PolicyFamily,
  oldSide: DiffSide,
  newSide: DiffSide,
  findings: readonly DiffFinding[],
): DiffReport {
  const unique = new Map<string, DiffFinding>();
  for (const f of findings) {
    const clean: DiffFinding = { change: f.change, kind: f.kind, subject: f.subject, risk: f.risk, widens: f.widens };
    if (f.detail !== undefined && f.detail !== '') clean.detail = f.detail;
    unique.set(KEY_ORDER(clean), clean);
  }
  const sorted = [...unique.values()].sort(compareFindings);
  const summary = { added: zero(), removed: zero(), changed: zero(), widening: zero() };
  for (const f of sorted) {
    summary[f.change][f.risk] += 1;
    if (f.widens) summary.widening[f.risk] += 1;
  }
  return { family, old: { ...oldSide }, new: { ...newSide }, findings: sorted, summary };
}

/** Widening findings at or above `threshold`: non-empty means --fail-on is reached. */
export function failingFindings(report: DiffReport, threshold: DiffRisk): DiffFinding[] {
  return report.findings.filter((f) => f.widens && atOrAbove(f.risk, threshold));
}

/** Total of a count record. */
export function total(counts: RiskCounts): number {
  return DIFF_RISKS.reduce((n, r) => n + counts[r], 0);
}
