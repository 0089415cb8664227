// The report as a pull-request comment: heading, summary, a count table, then one table per risk level (low and info
// folded away). Subjects are code spans with pipes escaped; other text is backslash-escaped: a hostile file name
// cannot break the table, start a link, or ping anyone.
import { total } from './report.js';
import { hasChanges, summaryLine, wideningLine } from './summary.js';
import { DIFF_RISKS, type DiffReport, type DiffRisk } from './types.js';
import { visible } from '../util/strings.js';

const MARKER = { added: '+', removed: '-', changed: '~' } as const;
const FOLDED: ReadonlySet<DiffRisk> = new Set(['low', 'info']);

/** Text as inert markdown: ASCII punctuation that markdown or GitHub interprets is backslash-escaped. */
export function mdText(text: string): string {
  return visible(text).replace(/[\\`*_{}[\]<>#!|~$&@]/g, (c) => `\\${c}`);
}

/** Text as a code span that survives a table cell: a fence longer than any backtick run, pipes escaped. */
export function mdCode(text: string): string {
  const body = visible(text);
  if (body === '') return '` `';
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body.startsWith(' ') || body.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${body.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** The markdown report. */
export function formatMarkdown(report: DiffReport): string {
  const out: string[] = [
    `### tracewall diff: ${report.family}`,
    '',
    `${mdCode(report.old.label)} (${report.old.kind}) → ${mdCode(report.new.label)} (${report.new.kind})`,
    '',
    `**${mdText(summaryLine(report))}**`,
  ];
  if (!hasChanges(report)) return out.join('\n') + '\n';
  out.push(
    '',
    `${mdText(wideningLine(report))} (what \`--fail-on\` counts)`,
    '',
    '| risk | added | removed | changed | widening |',
    '| :-- | --: | --: | --: | --: |',
  );
  const s = report.summary;
  for (const r of DIFF_RISKS)
    out.push(`| ${r} | ${s.added[r]} | ${s.removed[r]} | ${s.changed[r]} | ${s.widening[r]} |`);
  out.push(`| **total** | ${total(s.added)} | ${total(s.removed)} | ${total(s.changed)} | ${total(s.widening)} |`);
  for (const risk of DIFF_RISKS) {
    const group = report.findings.filter((f) => f.risk === risk);
    if (group.length === 0) continue;
    const table = ['| | kind | subject | detail | widens |', '| :-: | --- | --- | --- | :-: |'];
    for (const f of group)
      table.push(
        `| ${MARKER[f.change]} | ${f.kind} | ${mdCode(f.subject)} | ${f.detail ? mdText(f.detail) : ''} | ${f.widens ? 'yes' : ''} |`,
      );
    if (FOLDED.has(risk))
      out.push('', `<details><summary>${risk} (${group.length})</summary>`, '', ...table, '', '</details>');
    else out.push('', `#### ${risk} (${group.length})`, '', ...table);
  }
  return out.join('\n') + '\n';
}
