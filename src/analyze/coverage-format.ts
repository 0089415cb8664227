// The coverage report (the learning curve of runs made in order, and its convergence verdict) as text (for a terminal
// or a CI log), markdown (a pull-request comment) and versioned JSON (for tools).
import { stableJson } from '../util/json.js';
import { COVERAGE_KINDS, type CoverageItems, type CoverageKind, type CoverageReport } from './coverage.js';
import { visible } from '../util/strings.js';

/**
 * Version of the JSON coverage format; bumped when a field changes meaning. 2: `added` is what a run did that the
 * profile of the runs before it would not allow, argument values are counted, files read "PATH (access, ...)", and
 * `convergence` holds the verdict.
 */
export const COVERAGE_JSON_VERSION = 2;

export const SINGULAR: Readonly<Record<CoverageKind, string>> = {
  syscalls: 'syscall',
  arguments: 'argument',
  files: 'file',
  executables: 'executable',
  capabilities: 'capability',
  network: 'network',
};
const NOUN: Readonly<Record<CoverageKind, [string, string]>> = {
  syscalls: ['syscall', 'syscalls'],
  arguments: ['argument value', 'argument values'],
  files: ['file rule', 'file rules'],
  executables: ['executable', 'executables'],
  capabilities: ['capability', 'capabilities'],
  network: ['network rule', 'network rules'],
};

/** "3 syscalls"; what a run added counts files (paths), not the file rules it needed. */
export function counted(kind: CoverageKind, n: number, added = false): string {
  if (added && kind === 'files') return `${n} file${n === 1 ? '' : 's'}`;
  return `${n} ${NOUN[kind][n === 1 ? 0 : 1]}`;
}

export function addedCounts(items: CoverageItems): string[] {
  return COVERAGE_KINDS.filter((k) => items[k].length > 0).map((k) => counted(k, items[k].length, true));
}

function itemLines(items: CoverageItems, prefix: string): string[] {
  return COVERAGE_KINDS.flatMap((k) => items[k].map((it) => `${prefix}${SINGULAR[k]} ${visible(it)}`));
}

/**
 * The text report: one line per run with what it needed and what it added to the profile of the runs before it, then
 * the single-run rules. The verdict is apart (verdictText).
 */
export function formatCoverageText(report: CoverageReport): string {
  const n = report.runs.length;
  const lines = [`coverage of ${n} run${n === 1 ? '' : 's'}, in the order given:`];
  report.runs.forEach((run, i) => {
    const needed = COVERAGE_KINDS.map((k) => counted(k, run.needed[k])).join(', ');
    if (i === 0) {
      lines.push(`  1. ${visible(run.name)}: needed ${needed} (the first run)`);
      return;
    }
    const added = addedCounts(run.added);
    lines.push(
      `  ${i + 1}. ${visible(run.name)}: needed ${needed}; ${added.length > 0 ? `added ${added.join(', ')}:` : 'added nothing new'}`,
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
  for (const note of report.notes) lines.push(`note: ${visible(note)}`);
  return lines.join('\n') + '\n';
}

/** Items a verdict line names per run before "and N more". */
const VERDICT_ITEMS = 8;

function addedList(items: CoverageItems): string {
  const all = COVERAGE_KINDS.flatMap((k) => items[k].map((it) => `${SINGULAR[k]} ${visible(it)}`));
  const shown = all.slice(0, VERDICT_ITEMS).join(', ');
  return all.length > VERDICT_ITEMS ? `${shown} and ${all.length - VERDICT_ITEMS} more` : shown;
}

/**
 * The verdict in one line: "converged: ...", "not converged: run 4 (name) added syscall fork, file /etc/x (read)"
 * or "convergence cannot be judged from one run: ...".
 */
export function verdictText(report: CoverageReport): string {
  const v = report.convergence;
  const k = v.window;
  const rule = `converged means the last ${k === 1 ? 'run' : `${k} runs`} added nothing to the profile of the runs before ${k === 1 ? 'it' : 'them'}`;
  if (v.state === 'undecided') {
    const from = v.runs === 1 ? 'one run' : `${v.runs} runs`;
    return `convergence cannot be judged from ${from}: record at least ${v.needed} runs (${rule})`;
  }
  if (v.state === 'converged') {
    const names = report.runs.slice(v.runs - k).map((r) => visible(r.name));
    const last = k === 1 ? 'the last run' : `the last ${k} of ${v.runs} runs`;
    return `converged: ${last} (${names.join(', ')}) added nothing to the profile of the runs before ${k === 1 ? 'it' : 'them'}`;
  }
  const runs = v.adding.map(
    (a) => `run ${a.run} (${visible(a.name)}) added ${addedList(report.runs[a.run - 1]!.added)}`,
  );
  return `not converged: ${runs.join('; ')} (${rule})`;
}

/** The text report and the verdict: the document `tracewall converge` prints. */
export function formatConvergenceText(report: CoverageReport): string {
  return formatCoverageText(report) + verdictText(report) + '\n';
}

/** The JSON report (stable bytes). */
export function formatCoverageJson(report: CoverageReport): string {
  return stableJson({
    format: 'tracewall-coverage',
    formatVersion: COVERAGE_JSON_VERSION,
    runs: report.runs,
    onlyOne: report.onlyOne,
    notes: report.notes,
    convergence: { ...report.convergence, verdict: verdictText(report) },
  });
}
