// The report as a pull-request comment: a summary table of the programs, then per program the syscalls no run made with
// where each is in the code; low-risk ones folded away. Paths and names are code spans or escaped text.
import { mdCode, mdText } from '../diff/format-markdown.js';
import { RISK_LEVELS, type RiskLevel } from '../validate/risk-catalogue.js';
import type { ExecutableReach, ReachReport, UnobservedSyscall } from './types.js';

function count(e: ExecutableReach, level: RiskLevel): number {
  return e.reachableNotObserved.filter((u) => u.risk === level).length;
}

function summaryTable(report: ReachReport): string[] {
  const levels = [...RISK_LEVELS].reverse();
  const rows = report.executables.map((e) =>
    e.analysed
      ? `| ${mdCode(e.path)} | yes | ${e.reachable} | ${e.reachableNotObserved.length} | ${levels.map((l) => count(e, l)).join(' | ')} |`
      : `| ${mdCode(e.path)} | no | | | ${levels.map(() => '').join(' | ')} |`,
  );
  return [
    `| program | analysed | reachable | never made | ${levels.join(' | ')} |`,
    `| --- | --- | ---: | ---: | ${levels.map(() => '---:').join(' | ')} |`,
    ...rows,
  ];
}

function rows(items: readonly UnobservedSyscall[], withRisk: boolean): string[] {
  return [
    withRisk ? '| risk | syscall | where in the code |' : '| syscall | where in the code |',
    withRisk ? '| --- | --- | --- |' : '| --- | --- |',
    ...items.map((u) => {
      const where = u.evidence.map((ev) => mdCode(ev)).join('<br>');
      return withRisk ? `| ${u.risk} | ${mdCode(u.syscall)} | ${where} |` : `| ${mdCode(u.syscall)} | ${where} |`;
    }),
  ];
}

function programSection(e: ExecutableReach): string[] {
  const out = ['', `#### ${mdCode(e.path)}${e.resolved ? ` → ${mdCode(e.resolved)}` : ''} (${mdText(e.root)})`, ''];
  if (!e.analysed) return [...out, `Not analysed: ${mdText(e.why)}`];
  out.push(`${mdText(e.why)}`);
  const notLow = e.reachableNotObserved.filter((u) => u.risk !== 'low');
  const low = e.reachableNotObserved.filter((u) => u.risk === 'low');
  if (notLow.length > 0) {
    out.push(
      '',
      `A profile made from these runs denies these, and ${mdCode(e.path)} can call them: exercise those paths or accept the breakage.`,
    );
    out.push('', ...rows(notLow, true));
  }
  if (low.length > 0)
    out.push('', `<details><summary>low risk (${low.length})</summary>`, '', ...rows(low, false), '', '</details>');
  return out;
}

/** The markdown report. */
export function formatReachMarkdown(report: ReachReport): string {
  const out = [
    '### tracewall reach: syscalls the code can reach that no run made',
    '',
    `${report.recordings.length} recording${report.recordings.length === 1 ? '' : 's'} (${report.recordings.map((r) => mdCode(r)).join(', ')}), ${report.observed} distinct syscalls made.`,
    '',
    ...summaryTable(report),
  ];
  for (const e of report.executables) out.push(...programSection(e));
  return out.join('\n') + '\n';
}
