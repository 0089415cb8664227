// Coverage of several runs: what each run needed, what it added to the profile of the runs before it (the learning
// curve, converge.ts) and whether the runs converged, and the rules only one run needed (the paths a reviewer should
// check: rare features, or timing-dependent behaviour another run may miss).
import type { FileAccess, Recording } from '../recording/types.js';
import { expandRecording } from '../recording/provenance.js';
import { byCodeUnit } from '../util/json.js';
import { patternText } from './pattern.js';
import type { FileRule } from './policy-types.js';
import { argumentItems, mergedArgumentCalls } from './converge-args.js';
import {
  addedTo,
  convergenceVerdict,
  DEFAULT_CONVERGE_RUNS,
  fileItem,
  networkItems,
  syscallItem,
  type ConvergenceVerdict,
} from './converge.js';
import { IncrementalPrior } from './converge-prior.js';
import { DEFAULT_DIR_THRESHOLD, generalizeFiles, PathMemo, type FileObservation } from './generalize.js';
import { ABIS } from '../recording/types.js';

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
function rulesByPath(rules: readonly FileRule[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    for (const p of rule.generalized ? rule.generalized.from : [patternText(rule.pattern)])
      m.set(p, [...(m.get(p) ?? []), i]);
  });
  return m;
}

/** Each run's observed files (relative paths too) against the rules they generalise to, as needs. */
function fileNeeds(
  needs: Needs,
  observed: ReadonlyArray<Map<string, Set<FileAccess>>>,
  names: readonly string[],
  memo: PathMemo,
): void {
  const obs: FileObservation[] = [];
  observed.forEach((files, i) => {
    for (const [path, access] of files)
      if (path.startsWith('/'))
        obs.push({ path, access: [...access], provenance: { recordings: [names[i]!], count: 1 } });
  });
  const rules = generalizeFiles(
    obs.sort((a, b) => byCodeUnit(a.path, b.path)),
    { dirThreshold: DEFAULT_DIR_THRESHOLD, memo },
  ).rules;
  const byPath = rulesByPath(rules);
  observed.forEach((files, i) => {
    for (const [path, accesses] of files) {
      const candidates = byPath.get(path) ?? byPath.get(`${path}/`) ?? [];
      for (const a of accesses) {
        const rule = candidates.map((c) => rules[c]!).find((f) => f.access.includes(a));
        need(needs, 'files', rule ? patternText(rule.pattern) : path, i, a);
      }
    }
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
  const fold = new CoverageFold();
  for (const r of recordings) fold.add(r);
  return fold.report(opts);
}

/** How many rules of each kind each run needed, and the needs only one run had, by run. */
function perRun(needs: Needs, runs: number): { needed: Array<Record<CoverageKind, Set<string>>>; single: Needs[] } {
  const needed = Array.from(
    { length: runs },
    () => Object.fromEntries(COVERAGE_KINDS.map((k) => [k, new Set<string>()])) as Record<CoverageKind, Set<string>>,
  );
  const single: Needs[] = Array.from({ length: runs }, () => new Map());
  for (const [key, n] of needs) {
    for (const i of n.runs) needed[i]![n.kind].add(n.rule);
    if (n.runs.size === 1) single[[...n.runs][0]!]!.set(key, n);
  }
  return { needed, single };
}

/**
 * Coverage folded one recording at a time (add), so that a caller can read each and let it go: what each run added to
 * the profile of the runs before it is computed as it comes; report() gives what coverageOf gives for the same
 * recordings in the same order. Runs sharing a name are told apart as buildPolicy does (`name#2`).
 */
export class CoverageFold {
  private readonly names: string[] = [];
  private readonly seen = new Map<string, number>();
  private readonly needs: Needs = new Map();
  private readonly curve: CoverageItems[] = [];
  /** Each path generalised once, for the curve's prior and the final file rules. */
  private readonly memo = new PathMemo();
  private readonly prior = new IncrementalPrior({ memo: this.memo });
  private readonly observed: Array<Map<string, Set<FileAccess>>> = [];
  private readonly notes: string[] = [];

  /** Folds in a recording: a plain one is one run, a merged one each of its runs. */
  add(r: Recording): void {
    for (const run of expandRecording(r).runs) this.addRun(run);
    const calls = mergedArgumentCalls(r);
    if (calls.length > 0)
      this.notes.push(
        `${r.name} is a merge: the argument values of ${calls.join(', ')} are kept merged, not per run, so each of its runs is counted with all of them and a value only a later run used is not seen as added (give the plain recordings for the exact curve)`,
      );
  }

  private addRun(run: Recording): void {
    const i = this.names.length;
    const n = (this.seen.get(run.name) ?? 0) + 1;
    this.seen.set(run.name, n);
    this.names.push(n === 1 ? run.name : `${run.name}#${n}`);
    const network = networkItems(run.network);
    this.curve.push(addedTo(run, i === 0 ? undefined : this.prior, network));
    this.prior.add(run, network);
    for (const abi of ABIS)
      for (const name of Object.keys(run.syscalls[abi] ?? {})) need(this.needs, 'syscalls', syscallItem(abi, name), i);
    for (const e of run.executables) need(this.needs, 'executables', e.path, i);
    for (const c of run.identity.capabilities) need(this.needs, 'capabilities', c.name, i);
    for (const item of network) need(this.needs, 'network', item, i);
    for (const item of argumentItems(run)) need(this.needs, 'arguments', item, i);
    const files = new Map<string, Set<FileAccess>>();
    for (const [path, f] of Object.entries(run.files)) files.set(path, new Set(f.access));
    for (const e of run.executables) files.set(e.path, (files.get(e.path) ?? new Set<FileAccess>()).add('exec'));
    this.observed.push(files);
  }

  /** The report of the runs folded in so far. */
  report(opts: CoverageOptions = {}): CoverageReport {
    const needs: Needs = new Map(this.needs);
    fileNeeds(needs, this.observed, this.names, this.memo);
    const { needed, single } = perRun(needs, this.names.length);
    const runs = this.names.map((name, i): CoverageRun => ({
      name,
      needed: Object.fromEntries(COVERAGE_KINDS.map((k) => [k, needed[i]![k].size])) as Record<CoverageKind, number>,
      added: this.curve[i]!,
    }));
    const onlyOne =
      this.names.length < 2
        ? []
        : this.names
            .map((name, i) => ({ name, items: items([...single[i]!.values()]) }))
            .filter((o) => COVERAGE_KINDS.some((k) => o.items[k].length > 0));
    const convergence = convergenceVerdict(runs, opts.convergeRuns ?? DEFAULT_CONVERGE_RUNS);
    return { runs, onlyOne, convergence, notes: [...this.notes].sort(byCodeUnit) };
  }
}
