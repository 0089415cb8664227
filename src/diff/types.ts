// The shapes of a diff: findings with a change, a kind, a subject and a risk, collected in a report.
import type { FileKind } from '../validate/types.js';

/** Risk levels of findings, highest first; info is a change with no exposure of its own. */
export type DiffRisk = 'critical' | 'high' | 'medium' | 'low' | 'info';
/** Levels in report order (critical first). */
export const DIFF_RISKS: readonly DiffRisk[] = ['critical', 'high', 'medium', 'low', 'info'];

/** What happened to a rule or field between OLD and NEW. */
export type Change = 'added' | 'removed' | 'changed';
/** Changes in report order. */
export const CHANGES: readonly Change[] = ['added', 'removed', 'changed'];

/** What a finding is about. */
export type FindingKind =
  | 'architecture'
  | 'capability'
  | 'container'
  | 'default-action'
  | 'deny'
  | 'executable'
  | 'field'
  | 'file'
  | 'flag'
  | 'glob'
  | 'identity'
  | 'include'
  | 'network'
  | 'profile'
  | 'rule'
  | 'syscall'
  | 'unrecognised'
  | 'volume'
  | 'warning';

/**
 * One difference. `widens` says whether NEW allows more than OLD because of it: added permissions, removed denies,
 * dropped conditions. Only widening findings count for --fail-on; removals carry the risk of what was removed.
 */
export interface DiffFinding {
  change: Change;
  kind: FindingKind;
  subject: string;
  detail?: string;
  risk: DiffRisk;
  widens: boolean;
}

/** The families of files diff compares; both files must be of the same family. */
export type PolicyFamily = 'seccomp' | 'apparmor' | 'k8s' | 'recording';

/** One side of a diff: the name it is shown under and the kind detected from its content. */
export interface DiffSide {
  label: string;
  kind: FileKind;
}

/** Counts of findings by risk. */
export type RiskCounts = Record<DiffRisk, number>;

/** The result of comparing OLD with NEW: sorted findings and their counts. */
export interface DiffReport {
  family: PolicyFamily;
  old: DiffSide;
  new: DiffSide;
  findings: DiffFinding[];
  summary: {
    added: RiskCounts;
    removed: RiskCounts;
    changed: RiskCounts;
    /** Widening findings (added, removed denies, dropped conditions): what --fail-on looks at. */
    widening: RiskCounts;
  };
}
