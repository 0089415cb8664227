// Coverage of several runs: what each run needed, what it added to the profile of the runs before it (the learning
// curve, converge.ts) and whether the runs converged, and the rules only one run needed (the paths a reviewer should
// check: rare features, or timing-dependent behaviour another run may miss).
import type { FileAccess, Recording } from '../recording/types.js';
import { expandRecording } from '../recording/provenance.js';
import { byCodeUnit } from '../util/json.js';
import { buildPolicy } from './policy.js';
import { patternText } from './pattern.js';
import type { Policy } from './policy-types.js';
import { argumentItems, mergedArgumentCalls } from './converge-args.js';
import {
  convergenceVerdict,
  DEFAULT_CONVERGE_RUNS,
  fileItem,
  learningCurve,
  networkItems,
  syscallItem,
  type ConvergenceVerdict,
} from './converge.js';

/** The kinds of rules coverage counts, in report order. */
export const COVERAGE_KINDS = ['syscalls', 'arguments', 'files', 'executables', 'capabilities', 'network'] as const;
/** One of COVERAGE_KINDS. */
export type CoverageKind = (typeof COVERAGE_KINDS)[number];
/** Rules by kind, each list sorted; a file is "PATH (access, access)", an argument "socket domain AF_INET". */
export type CoverageItems = Record<CoverageKind, string[]>;

/**
 * One run: how many rules of each kind it needed (argument values: the values of the arguments seccomp rules are
 * narrowed by), and what it did that the profile of the runs before it would not allow (`added`).
 */
export interface CoverageRun {
  name: string;
  needed: Record<CoverageKind, number>;
  added: CoverageItems;
}

/**
 * Runs in input order; `onlyOne` lists, per run, the rules no other run needed (empty with fewer than two runs);
 * `convergence` whether the last K runs added nothing.
 */
export interface CoverageReport {
  runs: CoverageRun[];
  onlyOne: Array<{ name: string; items: CoverageItems }>;
  convergence: ConvergenceVerdict;
  /** What the report cannot tell (argument values of merged recordings), sorted. */
  notes: string[];
}

/** Atomic facts: kind, rule, and (for files) one access; each with the runs (by index) that needed it. */
type Needs = Map<string, { kind: CoverageKind; rule: string; access?: string; runs: Set<number> }>;

function need(needs: Needs, kind: CoverageKind, rule: string, run: number, access?: string): void {
  const key = `${kind}\0${rule}\0${access ?? ''}`;
  const n = needs.get(key) ?? { kind, rule, ...(access === undefined ? {} : { access }), runs: new Set<number>() };
  n.runs.add(run);
  needs.set(key, n);
}

/** Observed path to the file rules that cover it (a path can be split between an exec rule and a generalised one). */
function rulesByPath(policy: Policy): Map<string, number[]> {
  const m = new Map<string, number[]>();
  policy.files.forEach((rule, i) => {
    for (const p of rule.generalized ? rule.generalized.from : [patternText(rule.pattern)])
      m.set(p, [...(m.get(p) ?? []), i]);
  });
  return m;
}

function fileNeeds(needs: Needs, policy: Policy, runs: readonly Recording[]): void {
  const byPath = rulesByPath(policy);
  runs.forEach((r, i) => {
    const observed = new Map<string, Set<string>>();
    for (const [path, f] of Object.entries(r.files)) observed.set(path, new Set(f.access));
    for (const e of r.executables) observed.set(e.path, (observed.get(e.path) ?? new Set<string>()).add('exec'));
    for (const [path, accesses] of observed) {
      const candidates = byPath.get(path) ?? byPath.get(`${path}/`) ?? [];
      for (const a of accesses) {
        const rule = candidates.map((c) => policy.files[c]!).find((f) => (f.access as string[]).includes(a));
        need(needs, 'files', rule ? patternText(rule.pattern) : path, i, a);
      }
    }
  });
}

function networkNeeds(needs: Needs, runs: readonly Recording[]): void {
  runs.forEach((r, i) => {
    for (const item of networkItems(r.network)) need(needs, 'network', item, i);
    for (const item of argumentItems(r)) need(needs, 'arguments', item, i);
  });
}

function emptyItems(): CoverageItems {
  return { syscalls: [], arguments: [], files: [], executables: [], capabilities: [], network: [] };
}

/** Atomic facts as sorted items; file accesses of one rule are joined on one line. */
function items(list: ReadonlyArray<{ kind: CoverageKind; rule: string; access?: string }>): CoverageItems {
  const out = emptyItems();
  const fileAccess = new Map<string, string[]>();
  for (const n of list) {
    if (n.kind === 'files') fileAccess.set(n.rule, [...(fileAccess.get(n.rule) ?? []), n.access ?? '']);
    else out[n.kind].push(n.rule);
  }
  for (const [rule, access] of fileAccess) out.files.push(fileItem(rule, access as FileAccess[]));
  for (const k of COVERAGE_KINDS) out[k] = [...new Set(out[k])].sort(byCodeUnit);
  return out;
}

/** Options of coverageOf: K, the number of last runs that must add nothing (default 3). */
export interface CoverageOptions {
  convergeRuns?: number;
}

/** The coverage of the runs in `recordings` (merged recordings count as their runs), in input order. */
export function coverageOf(recordings: readonly Recording[], opts: CoverageOptions = {}): CoverageReport {
  const runs = recordings.flatMap((r) => expandRecording(r).runs);
  const policy = buildPolicy(recordings, { name: 'coverage', runtime: 'none' });
  const index = new Map(policy.sources.map((n, i) => [n, i]));
  const needs: Needs = new Map();
  for (const [abi, rules] of Object.entries(policy.syscalls)) {
    for (const [name, rule] of Object.entries(rules ?? {})) {
      for (const r of rule.provenance.recordings)
        need(needs, 'syscalls', syscallItem(abi as keyof Policy['syscalls'], name), index.get(r)!);
    }
  }
  fileNeeds(needs, policy, runs);
  for (const e of policy.executables)
    for (const r of e.provenance.recordings) need(needs, 'executables', e.path, index.get(r)!);
  for (const c of policy.capabilities)
    for (const r of c.provenance.recordings) need(needs, 'capabilities', c.name, index.get(r)!);
  networkNeeds(needs, runs);

  const all = [...needs.values()];
  const curve = learningCurve(runs);
  const coverageRuns = policy.sources.map((name, i): CoverageRun => {
    const mine = all.filter((n) => n.runs.has(i));
    const needed = Object.fromEntries(
      COVERAGE_KINDS.map((k) => [k, new Set(mine.filter((n) => n.kind === k).map((n) => n.rule)).size]),
    ) as Record<CoverageKind, number>;
    return { name, needed, added: curve[i]! };
  });
  const onlyOne =
    policy.sources.length < 2
      ? []
      : policy.sources
          .map((name, i) => ({ name, items: items(all.filter((n) => n.runs.size === 1 && n.runs.has(i))) }))
          .filter((o) => COVERAGE_KINDS.some((k) => o.items[k].length > 0));
  const convergence = convergenceVerdict(coverageRuns, opts.convergeRuns ?? DEFAULT_CONVERGE_RUNS);
  const notes = recordings.flatMap((r) => {
    const calls = mergedArgumentCalls(r);
    return calls.length === 0
      ? []
      : [
          `${r.name} is a merge: the argument values of ${calls.join(', ')} are kept merged, not per run, so each of its runs is counted with all of them and a value only a later run used is not seen as added (give the plain recordings for the exact curve)`,
        ];
  });
  return { runs: coverageRuns, onlyOne, convergence, notes: notes.sort(byCodeUnit) };
}
