// Ordering and arithmetic on risk levels.
import type { RiskLevel } from '../validate/risk-catalogue.js';
import type { DiffRisk } from './types.js';

const RANK: Readonly<Record<DiffRisk, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** A number that orders levels: info 0 ... critical 4. */
export function riskRank(level: DiffRisk): number {
  return RANK[level];
}

/** The higher of the levels (info when none). */
export function maxRisk(...levels: DiffRisk[]): DiffRisk {
  let best: DiffRisk = 'info';
  for (const l of levels) if (RANK[l] > RANK[best]) best = l;
  return best;
}

/** One level lower, never below low: for allows narrowed by an argument filter. */
export function lowerRisk(level: RiskLevel): RiskLevel {
  return level === 'critical' ? 'high' : level === 'high' ? 'medium' : 'low';
}

/** Whether `level` is at or above `threshold`. */
export function atOrAbove(level: DiffRisk, threshold: DiffRisk): boolean {
  return RANK[level] >= RANK[threshold];
}
