// The report for a terminal: per program, how it was analysed, then the syscalls no run made, highest risk first;
// critical to medium ones each with the sentence a reviewer acts on and every place found, low ones one line each.
import { RISK_LEVELS } from '../validate/risk-catalogue.js';
import type { ExecutableReach, ReachReport } from './types.js';
import { visible } from '../util/strings.js';

function header(e: ExecutableReach): string {
  const where = `${visible(e.path)}${e.resolved ? ` (${visible(e.resolved)})` : ''} [${visible(e.root)}]`;
  if (!e.analysed) return `${where}: not analysed`;
  return `${where}: ${e.reachableNotObserved.length} of ${e.reachable} reachable syscalls were never made by the runs`;
}

function programLines(e: ExecutableReach): string[] {
  const lines = [header(e), `  ${e.analysed ? 'how' : 'why'}: ${visible(e.why)}`];
  for (const level of [...RISK_LEVELS].reverse()) {
    const group = e.reachableNotObserved.filter((u) => u.risk === level);
    if (group.length === 0) continue;
    lines.push(`  ${level} (${group.length})`);
    for (const u of group) {
      if (level === 'low') {
        const more = u.evidence.length > 1 ? ` (+${u.evidence.length - 1} more)` : '';
        lines.push(`    ${u.syscall}: ${visible(u.evidence[0] ?? '')}${more}`);
        continue;
      }
      lines.push(
        `    ${u.syscall}: a profile made from these runs denies \`${u.syscall}\`, which ${visible(e.path)} can call: exercise that path or accept the breakage`,
      );
      for (const ev of u.evidence) lines.push(`      at ${visible(ev)}`);
    }
  }
  return lines;
}

/** The text report. */
export function formatReachText(report: ReachReport): string {
  const analysed = report.executables.filter((e) => e.analysed).length;
  const lines = [
    `tracewall reach: ${report.recordings.length} recording${report.recordings.length === 1 ? '' : 's'}, ${report.observed} distinct syscalls made; ${analysed} of ${report.executables.length} programs analysed`,
  ];
  for (const e of report.executables) lines.push('', ...programLines(e));
  return lines.join('\n') + '\n';
}
