// The verify report for a terminal: what ran, where the records came from, each denied call with who made it, the verdict.
import { verifyExitCode, workloadFailed } from './exit-code.js';
import { errnoDenialsReported } from './errno-reporting.js';
import type { Attribution, Denial, VerifyReport, WorkloadEnd } from './types.js';

const ATTRIBUTION: Readonly<Record<Attribution, string>> = {
  'audit-session': "the run's own audit session",
  'pid-namespace': "the container's pid namespace",
  cgroup: "the container's cgroup",
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function workloadLine(w: WorkloadEnd): string {
  if (w.interrupted) return 'stopped on request (SIGINT/SIGTERM)';
  if (w.timedOut) return 'stopped after --timeout';
  if (w.exitSignal) return `killed by ${w.exitSignal} (status ${w.exitCode})`;
  if (w.signal) return `the runtime was killed by ${w.signal}`;
  return `exited with status ${w.exitCode}`;
}

function denialLines(d: Denial): string[] {
  const head = `  ${d.syscall} (${d.abi}): ${plural(d.count, 'call')}; the profile: ${d.profileAction}${d.seenAction === 'SCMP_ACT_LOG' ? '' : `; this run: ${d.seenAction}`}`;
  return [
    head,
    ...d.processes.map((p) => `      by ${p.comm} (${p.exe})${d.processes.length > 1 ? `: ${p.count}` : ''}`),
  ];
}

/** What ran: the bundle, the engine's container, or the pod's container. */
function targetText(r: VerifyReport): string {
  const c = r.container;
  if (!c) return r.bundle ?? '';
  const id = c.id ? ` (${c.id.slice(0, 12)})` : '';
  if (c.pod)
    return `container ${c.pod.container} of pod ${c.pod.namespace}/${c.pod.name}${id}, ${c.version}, image ${c.image}`;
  return `${c.engine} ${c.version} container of ${c.image}${id}`;
}

/** The report as text lines for a terminal. */
export function formatVerifyText(r: VerifyReport): string {
  const would = r.mode === 'log' ? 'would have been denied' : 'denied';
  const lines = [
    `tracewall verify: ${targetText(r)} with ${r.runtime.name} ${r.runtime.version}, profile ${r.profile}, mode ${r.mode}`,
    `  records: ${r.source.kind === 'auditd' ? 'auditd' : 'kernel log'} (${r.source.path}), attributed by ${ATTRIBUTION[r.attribution]}`,
    ...r.changes.map((c) => `  changed for the run: ${c}`),
    ...r.kept.map((k) => `  kept as is: ${k.names.join(' ')} ${k.action} (${k.why})`),
    `  workload: ${workloadLine(r.workload)}`,
  ];
  if (workloadFailed(r.workload) && r.workload.stderrTail)
    lines.push(...r.workload.stderrTail.split('\n').map((l) => `    | ${l}`));
  for (const origin of ['app', 'runtime'] as const) {
    const list = r.denials.filter((d) => d.origin === origin);
    if (list.length === 0) continue;
    lines.push(
      '',
      origin === 'app'
        ? `${would}, made by the workload:`
        : `${would}, made by the runtime before the entrypoint's execve (its runtime layer):`,
    );
    for (const d of list) lines.push(...denialLines(d));
  }
  if (r.deliberate.length > 0) {
    lines.push('', 'deliberate answers (not failures):');
    for (const d of r.deliberate) lines.push(...denialLines(d));
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  const n = r.denials.length;
  let verdict: string;
  if (n > 0)
    verdict = `${plural(n, 'syscall')} ${would}: add ${n === 1 ? 'it' : 'them'} to the profile (workload) or to its runtime layer (runtime), or fix the code path`;
  else if (!errnoDenialsReported(r))
    verdict = `no kill was recorded, but ${r.runtime.name} does not report calls answered with an errno, so whether anything was denied is not known${verifyExitCode(r) !== 0 ? ' (and the workload failed)' : ''}: verify in log mode, or with crun, to know`;
  else if (verifyExitCode(r) !== 0) verdict = 'nothing was denied, but the workload failed';
  else
    verdict =
      r.mode === 'log'
        ? 'the profile allows everything this run did'
        : 'the workload ran under the profile and nothing was denied';
  lines.push('', `result: ${verdict}`);
  return lines.join('\n') + '\n';
}
