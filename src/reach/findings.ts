// From what the code can reach to what a reviewer reads: syscall names, the ones no run made with their risk, and where
// each is in the code (`FILE: FUNCTION (via imported NAME)`).
import { syscallName } from '../syscalls/index.js';
import { RISK_LEVELS, riskOf } from '../validate/risk-catalogue.js';
import { AT_STARTUP, type LinkedObject, type Reachability, type Site } from './reachability.js';
import type { UnobservedSyscall } from './types.js';

/** The findings of one program. */
export interface ProgramFindings {
  /** Every syscall name the code can reach, sorted. */
  reachable: string[];
  /** Those no recording made, highest risk first. */
  unobserved: UnobservedSyscall[];
  /** Places whose syscall number is not a constant (such a place may make any syscall), sorted. */
  unknown: string[];
}

/** The x86_64 name of a syscall number (`syscall_0x1b3` as strace writes an unknown one). */
export function nameOf(nr: number): string {
  return syscallName('x86_64', nr) ?? `syscall_0x${nr.toString(16)}`;
}

const MAX_VIA = 3;

/** `(via imported a, b, c and 4 more)`, or `(at start-up)` for the loader's and initialisers' code: names without a leading underscore first (the ones a program's author wrote). */
function viaText(vias: ReadonlySet<string>): string {
  if (vias.size === 1 && vias.has(AT_STARTUP)) return ' (at start-up)';
  if (vias.size === 0) return '';
  const sorted = [...vias]
    .filter((v) => v !== AT_STARTUP)
    .sort((a, b) => Number(a.startsWith('_')) - Number(b.startsWith('_')) || (a < b ? -1 : 1));
  const shown = sorted.slice(0, MAX_VIA).join(', ');
  return ` (via imported ${shown}${sorted.length > MAX_VIA ? ` and ${sorted.length - MAX_VIA} more` : ''})`;
}

function placeOf(objects: readonly LinkedObject[], s: Site): string {
  const o = objects[s.obj]!;
  const fn = o.summary.graph.regions[s.region]!.name;
  const call = s.wrapper === undefined ? '' : `, calling ${s.wrapper}(${s.nr < 0 ? '?' : s.nr})`;
  return `${o.path}: ${fn}${call}`;
}

/** Sites to the imports that lead to them ("" for the program's own code). */
function viasBySite(reach: Reachability): Map<number, Set<string>> {
  const vias = new Map<number, Set<string>>();
  for (const e of reach.entries) {
    for (const id of e.sites) {
      let set = vias.get(id);
      if (!set) vias.set(id, (set = new Set()));
      if (e.via !== '') set.add(e.via);
    }
  }
  return vias;
}

/** Reachable syscalls, and those that are in none of the recordings, with evidence. */
export function programFindings(
  objects: readonly LinkedObject[],
  reach: Reachability,
  observed: ReadonlySet<string>,
): ProgramFindings {
  const evidence = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const [id, vias] of viasBySite(reach)) {
    const site = reach.sites[id]!;
    const text = placeOf(objects, site) + viaText(vias);
    if (site.nr < 0) {
      unknown.push(text);
      continue;
    }
    const name = nameOf(site.nr);
    evidence.set(name, [...(evidence.get(name) ?? []), text]);
  }
  const unobserved: UnobservedSyscall[] = [...evidence.keys()]
    .filter((name) => !observed.has(name))
    .map((name) => ({ syscall: name, risk: riskOf(name).level, evidence: evidence.get(name)!.sort() }))
    .sort((a, b) => RISK_LEVELS.indexOf(b.risk) - RISK_LEVELS.indexOf(a.risk) || (a.syscall < b.syscall ? -1 : 1));
  return { reachable: [...evidence.keys()].sort(), unobserved, unknown: unknown.sort() };
}
