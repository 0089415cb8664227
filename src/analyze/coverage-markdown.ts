// The coverage report as a pull-request comment: the verdict, a table of the runs in order (what each needed and
// added), then what each run added and the rules only one run needed. Items are code spans, other text is escaped.
import { mdCode, mdText } from '../diff/format-markdown.js';
import { COVERAGE_KINDS, type CoverageItems, type CoverageReport } from './coverage.js';
import { addedCounts, counted, SINGULAR, verdictText } from './coverage-format.js';

function itemBullets(items: CoverageItems): string[] {
  return COVERAGE_KINDS.flatMap((k) => items[k].map((it) => `- ${SINGULAR[k]} ${mdCode(it)}`));
}

function verdictLine(report: CoverageReport): string {
  const text = verdictText(report);
  const at = text.indexOf(':');
  return `**${mdText(text.slice(0, at))}**${mdText(text.slice(at))}`;
}

function runTable(report: CoverageReport): string[] {
  const rows = report.runs.map((run, i) => {
    const needed = COVERAGE_KINDS.map((k) => counted(k, run.needed[k])).join(', ');
    const added = i === 0 ? 'everything it needed (the first run)' : addedCounts(run.added).join(', ') || 'nothing';
    return `| ${i + 1} | ${mdCode(run.name)} | ${mdText(needed)} | ${mdText(added)} |`;
  });
  return [
    '| run | name | needed | added to the profile of the runs before it |',
    '| ---: | --- | --- | --- |',
    ...rows,
  ];
}

/** The markdown report (stable bytes). */
export function formatCoverageMarkdown(report: CoverageReport): string {
  const n = report.runs.length;
  const lines = [
    `### tracewall convergence: ${n} run${n === 1 ? '' : 's'}, in the order given`,
    '',
    verdictLine(report),
  ];
  lines.push('', ...runTable(report));
  report.runs.forEach((run, i) => {
    if (i === 0 || addedCounts(run.added).length === 0) return;
    lines.push('', `#### run ${i + 1}, ${mdCode(run.name)}, added`, '', ...itemBullets(run.added));
  });
  if (report.onlyOne.length > 0) {
    lines.push('', `#### needed by only one of the ${n} runs`);
    for (const o of report.onlyOne) lines.push('', `${mdCode(o.name)}:`, '', ...itemBullets(o.items));
  }
  for (const note of report.notes) lines.push('', `Note: ${mdText(note)}`);
  return lines.join('\n') + '\n';
}
