// The `verify --apparmor` report as text for a terminal (one line per denied access: mode, path, programs; grouped by
// why it is denied) and as deterministic JSON in the style of the other verify reports.
import { ExitCode } from '../errors.js';
import { stableJson } from '../util/json.js';
import { TOOL_VERSION } from '../version.js';
import type { AppArmorDenial, AppArmorVerifyReport, DenialCondition } from './apparmor-types.js';
import { VERIFY_REPORT_VERSION } from './format-json.js';

/** 1 when anything would be denied, 0 otherwise. */
export function appArmorExitCode(report: AppArmorVerifyReport): 0 | 1 {
  return report.denials.length > 0 ? ExitCode.checkFailed : ExitCode.ok;
}

const HEADINGS: ReadonlyArray<[DenialCondition, string]> = [
  ['denied', 'would be denied:'],
  ['unless-owner', 'would be denied unless the process owns the file (only an owner rule allows it):'],
  ['if-owner', 'would be denied if the process owns the file (an owner deny rule matches):'],
  ['needs-profile', "would be denied unless the exec's target profile is loaded (px/cx need one):"],
];

/** A value shown as is when it is plain printable ASCII, else as a JSON string (no terminal control can get through). */
function shown(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) ? text : JSON.stringify(text);
}

/** Text with control characters escaped (program names and argv[0] come from the workload). */
function safe(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function who(d: AppArmorDenial): string {
  const verb = d.kind === 'exec' ? 'run by' : 'by';
  const names = d.programs.map(safe);
  if (names.length === 0) return `${verb} (no program recorded)`;
  if (d.programsKnown) return `${verb} ${names.join(', ')}`;
  return `${verb} one of ${names.join(', ')} (the recording does not say which)`;
}

function denialLines(d: AppArmorDenial, manyRecordings: boolean): string[] {
  const what =
    d.kind === 'capability' || d.kind === 'network' ? `${d.mode} ${d.subject}` : `${d.mode} ${shown(d.subject)}`;
  const needs = d.needs.map(safe).join(', ');
  const extra = [
    ...(manyRecordings ? [`in ${d.recordings.map(shown).join(', ')}`] : []),
    ...(d.runs.length > 0 ? [`runs: ${d.runs.map(shown).join(', ')}`] : []),
  ];
  return [
    `  ${what}  ${who(d)}  (${needs})${extra.length > 0 ? `  [${extra.join('; ')}]` : ''}`,
    ...d.deniedBy.map((r) => `      denied by ${r}`),
    ...d.notes.map((n) => `      ${n}`),
  ];
}

/** The report as text lines for a terminal. */
export function formatAppArmorText(r: AppArmorVerifyReport): string {
  const recs = r.recordings.map((x) => shown(x.file)).join(', ');
  const lines = [
    `tracewall verify --apparmor: profile ${r.profile.name} (${shown(r.profile.file)}${r.profile.includes.length > 0 ? `, with ${count(r.profile.includes.length, 'included file')}` : ''}) against ${recs}`,
    `  checked: ${count(r.checked.paths, 'path')} (${r.checked.execs} executed), ${count(r.checked.capabilities, 'capability', 'capabilities')}, ${count(r.checked.sockets, 'socket kind')}`,
  ];
  for (const [condition, heading] of HEADINGS) {
    const list = r.denials.filter((d) => d.condition === condition);
    if (list.length === 0) continue;
    lines.push('', heading);
    for (const d of list) lines.push(...denialLines(d, r.recordings.length > 1));
  }
  if (r.warnings.length > 0) lines.push('');
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  const n = r.denials.length;
  lines.push(
    '',
    n === 0
      ? 'result: the profile allows every access in the recordings'
      : `result: ${count(n, 'access', 'accesses')} would be denied: add ${n === 1 ? 'a rule' : 'rules'} to the profile, or fix the code path`,
  );
  return lines.join('\n') + '\n';
}

/** The report as deterministic JSON, with its verdict. */
export function formatAppArmorJson(r: AppArmorVerifyReport): string {
  return stableJson({
    reportVersion: VERIFY_REPORT_VERSION,
    tool: { name: 'tracewall', version: TOOL_VERSION },
    mode: 'apparmor',
    ...r,
    result: { denied: r.denials.length, exitCode: appArmorExitCode(r) },
  });
}
