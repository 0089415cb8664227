// The report for a terminal: a header, the summary, then one line per finding grouped by risk, with +/-/~ markers.
// ANSI colour only when asked (the CLI asks when stdout is a terminal and NO_COLOR is unset).
import { hasChanges, summaryLine, wideningLine } from './summary.js';
import { DIFF_RISKS, type DiffFinding, type DiffReport, type DiffRisk } from './types.js';
import { visible } from '../util/strings.js';

const MARKER: Readonly<Record<DiffFinding['change'], string>> = { added: '+', removed: '-', changed: '~' };
const RISK_COLOUR: Readonly<Record<DiffRisk, string>> = {
  critical: '1;31',
  high: '31',
  medium: '33',
  low: '36',
  info: '2',
};

function paint(on: boolean, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** One finding as a line (without indentation or newline). */
export function findingLine(f: DiffFinding, colour = false): string {
  const marker = paint(colour, f.widens ? '31' : '32', MARKER[f.change]);
  const detail = f.detail ? `: ${visible(f.detail)}` : '';
  return `${marker} ${f.kind} ${visible(f.subject)}${detail}`;
}

/** The text report. */
export function formatText(report: DiffReport, opts: { color?: boolean } = {}): string {
  const colour = opts.color === true;
  const lines = [
    `tracewall diff (${report.family}): ${visible(report.old.label)} (${report.old.kind}) -> ${visible(report.new.label)} (${report.new.kind})`,
    summaryLine(report),
  ];
  if (hasChanges(report)) lines.push(wideningLine(report));
  for (const risk of DIFF_RISKS) {
    const group = report.findings.filter((f) => f.risk === risk);
    if (group.length === 0) continue;
    lines.push('', paint(colour, RISK_COLOUR[risk], `${risk} (${group.length})`));
    for (const f of group) lines.push(`  ${findingLine(f, colour)}`);
  }
  return lines.join('\n') + '\n';
}
