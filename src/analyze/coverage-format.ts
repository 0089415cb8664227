// The coverage report as text (for a terminal or a CI log) and as versioned JSON (for tools).
import { stableJson } from '../util/json.js';
import { COVERAGE_KINDS, type CoverageItems, type CoverageKind, type CoverageReport } from './coverage.js';
import { visible } from '../util/strings.js';

/** Version of the JSON coverage format; bumped when a field changes meaning. */
export const COVERAGE_JSON_VERSION = 1;

const SINGULAR: Readonly<Record<CoverageKind, string>> = {
  syscalls: 'syscall',
  files: 'file',
  executables: 'executable',
  capabilities: 'capability',
  network: 'network',
};
const NOUN: Readonly<Record<CoverageKind, [string, string]>> = {
  syscalls: ['syscall', 'syscalls'],
  files: ['file rule', 'file rules'],
  executables: ['executable', 'executables'],
  capabilities: ['capability', 'capabilities'],
  network: ['network rule', 'network rules'],
};

function counted(kind: CoverageKind, n: number): string {
  return `${n} ${NOUN[kind][n === 1 ? 0 : 1]}`;
}

function itemLines(items: CoverageItems, prefix: string): string[] {
  return COVERAGE_KINDS.flatMap((k) => items[k].map((it) => `${prefix}${SINGULAR[k]} ${visible(it)}`));
}

/** The text report: one line per run with what it needed, the rules it added after the first run, then the single-run rules. */
export function formatCoverageText(report: CoverageReport): string {
  const n = report.runs.length;
  const lines = [`coverage of ${n} run${n === 1 ? '' : 's'}, in the order given:`];
  report.runs.forEach((run, i) => {
    const needed = COVERAGE_KINDS.map((k) => counted(k, run.needed[k])).join(', ');
    if (i === 0) {
      lines.push(`  ${visible(run.name)}: needed ${needed} (the first run)`);
      return;
    }
    const added = COVERAGE_KINDS.filter((k) => run.added[k].length > 0).map((k) => counted(k, run.added[k].length));
    lines.push(
      `  ${visible(run.name)}: needed ${needed}; ${added.length > 0 ? `added ${added.join(', ')}:` : 'added nothing new'}`,
    );
    lines.push(...itemLines(run.added, '    + '));
  });
  if (n >= 2) {
    if (report.onlyOne.length === 0) lines.push(`every rule was needed by at least two of the ${n} runs`);
    else {
      lines.push(
        `needed by only one of the ${n} runs (check whether the other runs missed that path, or it is rare or timing-dependent):`,
      );
      for (const o of report.onlyOne) lines.push(...itemLines(o.items, `  ${visible(o.name)}: `));
    }
  }
  return lines.join('\n') + '\n';
}

/** The JSON report (stable bytes). */
export function formatCoverageJson(report: CoverageReport): string {
  return stableJson({
    format: 'tracewall-coverage',
    formatVersion: COVERAGE_JSON_VERSION,
    runs: report.runs,
    onlyOne: report.onlyOne,
  });
}
