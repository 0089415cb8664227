// Coverage of several runs: what each run needed, what it added to the profile of the runs before it (the learning
// curve, converge.ts) and whether the runs converged, and the rules only one run needed (the paths a reviewer should
// check: rare features, or timing-dependent behaviour another run may miss).
import type { FileAccess, Recording } from '../recording/types.js';
import { expandRecording } from '../recording/provenance.js';
import { byCodeUnit, stableKeyOrder } from '../util/json.js';
import { badInput } from '../errors.js';
import type { ChunkStore, LineLog, SpillOptions } from './spill.js';
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
import { curveRun, IncrementalPrior, observedFiles, priorKeys, type CurveRun } from './converge-prior.js';
import { DEFAULT_DIR_THRESHOLD, generalizeFiles, PathMemo, type FileObservation } from './generalize.js';
import { ABIS } from '../recording/types.js';
import { accessMask, maskAccesses } from './access-mask.js';

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

/**
 * An atomic fact (kind, rule, and for files one access) with how many runs needed it and the last of them (which is
 * the only one when `runs` is 1): what the report says of it, whatever the number of runs.
 */
interface Need {
  kind: CoverageKind;
  rule: string;
  access?: string;
  runs: number;
  last: number;
}
type Needs = Map<string, Need>;

/** Run `run` needed the fact; runs come in order, so a run counts once. */
function need(needs: Needs, kind: CoverageKind, rule: string, run: number, access?: string): void {
  const key = `${kind}\0${rule}\0${access ?? ''}`;
  const n = needs.get(key);
  if (n === undefined) needs.set(key, { kind, rule, ...(access === undefined ? {} : { access }), runs: 1, last: run });
  else if (n.last !== run) {
    n.runs += 1;
    n.last = run;
  }
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

const NO_PROVENANCE = { recordings: [], count: 1 };
/** How many paths CoverageFold's memo of generalised paths holds at most (a few MiB). */
const MEMO_PATHS = 10_000;
const DIR_LIST = accessMask(['dir-list']);

/**
 * The observations generalisation needs of the touched paths: per absolute path, the union of the accesses of the runs
 * that did not list it and of those that did (a listing run sees it as a directory), which gives the file rules the
 * runs' own observations give.
 */
function observations(touched: Iterable<[string, readonly number[]]>): FileObservation[] {
  const obs: FileObservation[] = [];
  // One access list per mask, shared (a fleet's paths are many, their masks few).
  const lists = new Map<number, FileAccess[]>();
  const accessOf = (mask: number) => lists.get(mask) ?? lists.set(mask, maskAccesses(mask)).get(mask)!;
  for (const [path, pairs] of touched) {
    if (!path.startsWith('/')) continue;
    let plain = 0;
    let listed = 0;
    for (let i = 1; i < pairs.length; i += 2) {
      if ((pairs[i]! & DIR_LIST) !== 0) listed |= pairs[i]!;
      else plain |= pairs[i]!;
    }
    for (const mask of [plain, listed])
      if (mask !== 0) obs.push({ path, access: accessOf(mask), provenance: NO_PROVENANCE });
  }
  return obs.sort((a, b) => byCodeUnit(a.path, b.path));
}

/** A set of run numbers as bits (one byte per eight runs, outside the JavaScript heap). */
type RunSet = Uint8Array;

/** File needs (rule and access) with the runs that had them; and per file rule, how many runs. */
function fileNeeds(
  touched: () => Iterable<[string, readonly number[]]>,
  memo: PathMemo,
  runs: number,
): Map<string, RunSet> {
  const rules = generalizeFiles(observations(touched()), { dirThreshold: DEFAULT_DIR_THRESHOLD, memo }).rules;
  const byPath = rulesByPath(rules);
  const texts = rules.map((r) => patternText(r.pattern));
  const found = new Map<string, RunSet>();
  for (const [path, pairs] of touched()) {
    const candidates = byPath.get(path) ?? byPath.get(`${path}/`) ?? [];
    const keyOf = new Map<FileAccess, string>();
    for (let i = 0; i < pairs.length; i += 2)
      for (const a of maskAccesses(pairs[i + 1]!)) {
        let key = keyOf.get(a);
        if (key === undefined) {
          const c = candidates.find((at) => rules[at]!.access.includes(a));
          keyOf.set(a, (key = `${c === undefined ? path : texts[c]!}\0${a}`));
        }
        let set = found.get(key);
        if (set === undefined) found.set(key, (set = new Uint8Array((runs + 7) >> 3)));
        set[pairs[i]! >> 3]! |= 1 << (pairs[i]! & 7);
      }
  }
  return found;
}

/** The runs of a RunSet, in order. */
function* runsOf(set: RunSet): Generator<number> {
  for (let byte = 0; byte < set.length; byte++)
    if (set[byte] !== 0) for (let bit = 0; bit < 8; bit++) if ((set[byte]! & (1 << bit)) !== 0) yield byte * 8 + bit;
}

/** How many file rules each run needed: per rule, the runs of any of its accesses, each once. */
function fileRulesPerRun(found: ReadonlyMap<string, RunSet>, runs: number): Int32Array {
  const byRule = new Map<string, RunSet>();
  for (const [key, set] of found) {
    const rule = key.slice(0, key.lastIndexOf('\0'));
    const s = byRule.get(rule);
    if (s === undefined) byRule.set(rule, set.slice());
    else for (let i = 0; i < s.length; i++) s[i]! |= set[i]!;
  }
  const out = new Int32Array(runs);
  for (const s of byRule.values()) for (const r of runsOf(s)) out[r]! += 1;
  return out;
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

/** A map's entries sorted by key as the chunk stores sort them. */
function sortedEntries<T>(m: ReadonlyMap<string, T>): Array<[string, T]> {
  return stableKeyOrder([...m.keys()]).map((k): [string, T] => [k, m.get(k)!]);
}

/** The needs only one run had, by run. */
function singles(needs: Iterable<Need>): Map<number, Need[]> {
  const out = new Map<number, Need[]>();
  for (const n of needs) {
    if (n.runs !== 1) continue;
    const list = out.get(n.last);
    if (list === undefined) out.set(n.last, [n]);
    else list.push(n);
  }
  return out;
}

/** The file needs as Needs. */
function* asNeeds(found: ReadonlyMap<string, RunSet>): Generator<Need> {
  for (const [key, set] of found) {
    const at = key.lastIndexOf('\0');
    let runs = 0;
    let last = -1;
    for (const r of runsOf(set)) {
      runs++;
      last = r;
    }
    yield { kind: 'files', rule: key.slice(0, at), access: key.slice(at + 1), runs, last };
  }
}

/** How many (key, last run) entries of the spilled curve are sorted by run in memory before they go to a chunk. */
const FORGET_BATCH = 50_000;

/** What a spilled fold keeps outside memory, and what it holds until the next chunk. */
interface FoldSpill {
  options: SpillOptions;
  /** Per path (relative ones too): pairs (run, access mask), as CoverageFold.touched. */
  touched: ChunkStore<number[]>;
  /** Each run's CurveRun and network items, one JSON line per run, for the learning curve made at the report. */
  curve: LineLog;
  /** Per key the curve's profile keeps (priorKeys), the last run that brought it; since the last chunk in `recent`. */
  lastUse: ChunkStore<number>;
  recent: Map<string, number>;
  pending: number;
  reports: number;
}

/** A run's line of the report; `added` is made at the report when the fold spills. */
type FoldedRun = Omit<CoverageRun, 'added'> & { added: CoverageItems | undefined };

/**
 * Coverage folded one recording at a time (add), so that a caller can read each and let it go: report() gives what
 * coverageOf gives for the same recordings in the same order. Runs sharing a name are told apart as buildPolicy does
 * (`name#2`). What is kept per run is its line of the report (name, counts, what it added); per fact, how many runs
 * needed it and the last; per path, the runs that touched it as numbers with their accesses as bit masks (file rules
 * are known only at the end). In memory, what each run added to the profile of the runs before it is computed as it
 * comes. With a spill, it is computed at the report from the runs kept in a log, knowing for every path the last run
 * that brings it: the profile of the runs so far forgets each path after that run, so it holds the paths still to
 * come, not every path of every run.
 */
export class CoverageFold {
  private readonly runs: FoldedRun[] = [];
  private readonly seen = new Map<string, number>();
  private readonly needs: Needs = new Map();
  /** Paths generalised once while they are recent, for the curve's prior and the final file rules. */
  private readonly memo = new PathMemo(MEMO_PATHS);
  /** The profile of the runs so far, in memory (no spill). */
  private readonly prior: IncrementalPrior | undefined;
  /** Set by the last report: no run may come after it. */
  private closed = false;
  /** Per path (relative ones too): pairs (run, access mask), executables counting as exec; since the last spill. */
  private touched = new Map<string, number[]>();
  private readonly notes: string[] = [];
  private readonly spill: FoldSpill | undefined;

  /**
   * With `spill`, the paths the runs touched (with their runs) go to sorted chunks in its store every runsPerChunk
   * runs, and are read back merged by path for the report, and the learning curve is made at the report from the runs
   * kept in its log; the report is the same.
   */
  constructor(opts: { spill?: SpillOptions } = {}) {
    const spill = opts.spill;
    if (spill === undefined) this.prior = new IncrementalPrior({ memo: this.memo });
    else
      this.spill = {
        options: spill,
        touched: spill.store<number[]>('touched'),
        curve: spill.log('curve'),
        lastUse: spill.store<number>('last-use'),
        recent: new Map(),
        pending: 0,
        reports: 0,
      };
  }

  /** Every touched path with its pairs (run, access mask): in memory, or merged from the spilled chunks. */
  private touchedPaths(): Iterable<[string, readonly number[]]> {
    if (this.spill === undefined) return this.touched;
    return this.spill.touched.merged(sortedEntries(this.touched), (a, b) => a.concat(b));
  }

  /** After each run: every runsPerChunk runs, the touched paths and the last uses so far go to chunks. */
  private spillTouched(): void {
    const spill = this.spill;
    if (spill === undefined || ++spill.pending < spill.options.runsPerChunk) return;
    spill.pending = 0;
    spill.touched.write(sortedEntries(this.touched));
    this.touched = new Map();
    spill.lastUse.write(sortedEntries(spill.recent));
    spill.recent = new Map();
  }

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
    const i = this.runs.length;
    const n = (this.seen.get(run.name) ?? 0) + 1;
    this.seen.set(run.name, n);
    const network = networkItems(run.network);
    if (this.closed)
      throw badInput(`run ${run.name}: added to a coverage fold after its last report (expected no more runs)`);
    const added = this.spill === undefined ? this.addToPrior(this.prior!, run, i, network) : undefined;
    if (this.spill !== undefined) this.logForCurve(this.spill, run, i, network);
    const kinds: Array<[CoverageKind, string[]]> = [
      ['syscalls', ABIS.flatMap((abi) => Object.keys(run.syscalls[abi] ?? {}).map((name) => syscallItem(abi, name)))],
      ['executables', run.executables.map((e) => e.path)],
      ['capabilities', run.identity.capabilities.map((c) => c.name)],
      ['network', network],
      ['arguments', argumentItems(run)],
    ];
    const needed = Object.fromEntries(COVERAGE_KINDS.map((k) => [k, 0])) as Record<CoverageKind, number>;
    for (const [kind, rules] of kinds) {
      rules.forEach((rule) => need(this.needs, kind, rule, i));
      needed[kind] = new Set(rules).size;
    }
    this.runs.push({ name: n === 1 ? run.name : `${run.name}#${n}`, needed, added });
    const files = new Map<string, number>();
    for (const [path, f] of Object.entries(run.files)) files.set(path, accessMask(f.access));
    for (const e of run.executables) files.set(e.path, (files.get(e.path) ?? 0) | accessMask(['exec']));
    for (const [path, mask] of files) {
      const pairs = this.touched.get(path);
      if (pairs === undefined) this.touched.set(path, [i, mask]);
      else pairs.push(i, mask);
    }
    this.spillTouched();
  }

  /** What run `i` added to the profile of the runs before it, which then takes it in. */
  private addToPrior(prior: IncrementalPrior, run: Recording, i: number, network: string[]): CoverageItems {
    const added = addedTo(run, i === 0 ? undefined : prior, network);
    prior.add(run, network);
    return added;
  }

  /** A spilled fold keeps the run for its curve, and notes it as the last run so far of each of its prior keys. */
  private logForCurve(spill: FoldSpill, run: Recording, i: number, network: string[]): void {
    const c = curveRun(run);
    spill.curve.append(JSON.stringify([c, network]));
    for (const key of priorKeys(observedFiles(c).keys())) spill.recent.set(key, i);
  }

  /**
   * The learning curve of a spilled fold, from its log of runs: after each run, the profile forgets the keys no later
   * run brings (forgetByRun), which leaves its answers the same.
   */
  private spilledCurve(spill: FoldSpill): CoverageItems[] {
    const prior = new IncrementalPrior({ memo: this.memo });
    const forget = this.forgetByRun(spill)[Symbol.iterator]();
    const out: CoverageItems[] = [];
    try {
      let head = forget.next();
      for (const line of spill.curve.lines()) {
        const [run, network] = JSON.parse(line) as [CurveRun, string[]];
        const i = out.length;
        out.push(addedTo(run, i === 0 ? undefined : prior, network));
        prior.add(run, network);
        for (; head.done !== true && Number(head.value[0]) <= i; head = forget.next()) prior.forget(head.value[1]);
      }
    } finally {
      forget.return?.();
    }
    return out;
  }

  /** Per run (as a numeric key, in order): the prior keys whose last run it is; sorted by run through chunks. */
  private forgetByRun(spill: FoldSpill): Iterable<[string, string[]]> {
    const store = spill.options.store<string[]>(`forget-${spill.reports++}`);
    let batch = new Map<number, string[]>();
    let held = 0;
    const byRun = (): Array<[string, string[]]> =>
      [...batch.keys()].sort((a, b) => a - b).map((r): [string, string[]] => [String(r), batch.get(r)!]);
    for (const [key, last] of spill.lastUse.merged(sortedEntries(spill.recent), (a, b) => Math.max(a, b))) {
      const list = batch.get(last);
      if (list === undefined) batch.set(last, [key]);
      else list.push(key);
      if (++held < FORGET_BATCH) continue;
      store.write(byRun());
      batch = new Map();
      held = 0;
    }
    return store.merged(byRun(), (a, b) => a.concat(b));
  }

  /**
   * The report of the runs folded in so far. With `last`, no run is added after it: the profile of the runs (which
   * holds every path they touched) is let go before the report generalises those paths again.
   */
  report(opts: CoverageOptions = {}, { last = false }: { last?: boolean } = {}): CoverageReport {
    if (last) this.closed = true;
    const added = this.spill === undefined ? this.runs.map((r) => r.added!) : this.spilledCurve(this.spill);
    const found = fileNeeds(() => this.touchedPaths(), this.memo, this.runs.length);
    const fileRules = fileRulesPerRun(found, this.runs.length);
    const runs = this.runs.map((r, i): CoverageRun => ({
      ...r,
      needed: { ...r.needed, files: fileRules[i]! },
      added: added[i]!,
    }));
    const single = singles([...this.needs.values(), ...asNeeds(found)]);
    const onlyOne =
      runs.length < 2
        ? []
        : runs
            .map((r, i) => ({ name: r.name, items: items(single.get(i) ?? []) }))
            .filter((o) => COVERAGE_KINDS.some((k) => o.items[k].length > 0));
    const convergence = convergenceVerdict(runs, opts.convergeRuns ?? DEFAULT_CONVERGE_RUNS);
    return { runs, onlyOne, convergence, notes: [...this.notes].sort(byCodeUnit) };
  }
}
