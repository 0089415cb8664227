// Terminal output and exit code of `tracewall validate`.
import { ExitCode } from '../errors.js';
import type { ValidationResult } from './types.js';

/** One line per finding ("FILE: severity: message (where)"), "FILE: ok (kind)" for a clean file, then a summary line. */
export function formatFindings(results: readonly ValidationResult[]): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.findings.length === 0) lines.push(`${r.file}: ok (${r.kind})`);
    for (const f of r.findings) {
      if (f.severity === 'error') errors++;
      else if (f.severity === 'warning') warnings++;
      else if (f.severity === 'skipped') skipped++;
      lines.push(`${r.file}: ${f.severity}: ${f.message}${f.where ? ` (${f.where})` : ''}`);
    }
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    `validate: ${plural(results.length, 'file')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${skipped > 0 ? `, ${skipped} skipped` : ''}`,
  );
  return lines.join('\n') + '\n';
}

/** 2 (bad input) when any file has an error finding, 0 otherwise; warnings and skipped checks do not fail. */
export function exitCodeFor(results: readonly ValidationResult[]): 0 | 2 {
  return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? ExitCode.badInput : ExitCode.ok;
}
