// Helpers shared by the validate unit tests.
import path from 'node:path';
import { packageRoot } from '../../src/util/paths.js';
import type { Finding } from '../../src/validate/types.js';

/** A fixture of the validate tests. */
export function fixture(name: string): string {
  return path.join(packageRoot, 'test', 'fixtures', 'validate', name);
}

/** Findings of one severity. */
export function only(findings: Finding[], severity: Finding['severity']): Finding[] {
  return findings.filter((f) => f.severity === severity);
}

/** "severity where" keys, for compact expectations. */
export function keys(findings: Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.where ?? ''}`);
}
