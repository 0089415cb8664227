// The diff of two policy files of one family, as a report: the entry point of the pure core.
import { diffAppArmor } from './apparmor-diff.js';
import { kindOfText, parsePolicy, rejectBrokenJson, requireSameFamily, type ParsedPolicy } from './input.js';
import { diffK8s } from './k8s-diff.js';
import { diffRecordings } from './recording-diff.js';
import { buildReport } from './report.js';
import { diffSeccomp } from './seccomp-diff.js';
import type { DiffFinding, DiffReport } from './types.js';

/** Findings between two parsed files of the same family (a mismatch yields none: check families first). */
export function diffParsed(a: ParsedPolicy, b: ParsedPolicy): DiffFinding[] {
  if (a.family === 'seccomp' && b.family === 'seccomp') return diffSeccomp(a.model, b.model);
  if (a.family === 'apparmor' && b.family === 'apparmor') return diffAppArmor(a.model, b.model);
  if (a.family === 'k8s' && b.family === 'k8s') return diffK8s(a.model, b.model);
  if (a.family === 'recording' && b.family === 'recording') return diffRecordings(a.model, b.model);
  return [];
}

/** Diff two files given as text; labels name them in the report and in errors. Throws exit-2 errors for bad input. */
export function diffTexts(oldText: string, oldLabel: string, newText: string, newLabel: string): DiffReport {
  rejectBrokenJson(oldText, oldLabel);
  rejectBrokenJson(newText, newLabel);
  const oldKind = kindOfText(oldText, oldLabel);
  const newKind = kindOfText(newText, newLabel);
  const family = requireSameFamily(oldLabel, oldKind, newLabel, newKind);
  const a = parsePolicy(oldText, oldKind, oldLabel);
  const b = parsePolicy(newText, newKind, newLabel);
  return buildReport(family, { label: oldLabel, kind: oldKind }, { label: newLabel, kind: newKind }, diffParsed(a, b));
}
