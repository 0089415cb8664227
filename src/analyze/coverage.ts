// Coverage of several runs: what each run needed, what it added to the profile of the runs before it (the learning
// curve, converge.ts) and whether the runs converged, and the rules only one run needed (the paths a reviewer should
// check: rare features, or timing-dependent behaviour another run may miss).
import type { FileAccess, Recording } from '../recording/types.js';
import { expandRecording } from '../recording/provenance.js';
import { byCodeUnit, stableKeyOrder } from '../util/json.js';
import { badInput } from '../errors.js';
import type { ChunkStore, LineLog, SpillOptions } from './spill.js';
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
import { curveRun, IncrementalPrior, priorKeys, type CurveRun } from './converge-prior.js';
import {
  DEFAULT_DIR_THRESHOLD,
  PathMemo,
  pathFamilies,
  StreamedFileRules,
  type RuleAccess,
  type FamilyPath,
} from './generalize.js';
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

/** How many paths CoverageFold's memo of generalised paths holds at most (a few MiB). */
const MEMO_PATHS = 10_000;
const DIR_LIST = accessMask(['dir-list']);

/**
 * The touched paths as generalisation streams them: per absolute path, the union of the accesses of the runs that did
 * not list it and of those that did (a listing run sees it as a directory), which gives the file rules the runs' own
 * observations give; relative paths are not observed. The pairs go along.
 */
function* streamed(touched: Iterable<[string, readonly number[]]>): Generator<FamilyPath<readonly number[]>> {
  // One access list per mask, shared (a fleet's paths are many, their masks few).
  const lists = new Map<number, FileAccess[]>();
  const accessOf = (mask: number) => lists.get(mask) ?? lists.set(mask, maskAccesses(mask)).get(mask)!;
  for (const [path, pairs] of touched) {
    const observed: FileAccess[][] = [];
    if (path.startsWith('/')) {
      let plain = 0;
      let listed = 0;
      for (let i = 1; i < pairs.length; i += 2) {
        if ((pairs[i]! & DIR_LIST) !== 0) listed |= pairs[i]!;
        else plain |= pairs[i]!;
      }
      if (plain !== 0) observed.push(accessOf(plain));
      if (listed !== 0) observed.push(accessOf(listed));
    }
    yield { path, observed, value: pairs, below: false };
  }
}

/**
 * The runs of one file need: one as its number, a few as a list of run numbers, many as bits (one byte per eight runs),
 * so that the many needs of one run each (a pod's own paths) cost their runs, not the number of runs.
 */
type RunSet = number | number[] | Uint8Array;

/** The runs of a RunSet, in order but for a list. */
function* runsOf(set: RunSet): Generator<number> {
  if (typeof set === 'number') yield set;
  else if (Array.isArray(set)) yield* set;
  else
    for (let byte = 0; byte < set.length; byte++)
      if (set[byte] !== 0) for (let bit = 0; bit < 8; bit++) if ((set[byte]! & (1 << bit)) !== 0) yield byte * 8 + bit;
}

/**
 * File needs (rule, or path when no rule allows the access, and access) with the runs that had them, by rule. Each
 * touched path's access goes to the first of its rules (in text order) that allows it.
 */
class FileNeeds {
  private readonly byRule = new Map<string, Map<FileAccess, RunSet>>();
  private readonly masks = new Map<number, readonly FileAccess[]>();
  /** Lists longer than this become bits (about where they cost more). */
  private readonly listMax: number;

  constructor(private readonly runs: number) {
    this.listMax = Math.max(16, runs >> 6);
  }

  /** The runs of `pairs` (run, access mask) needed their accesses of `path`, whose rules are `rules`. */
  add(path: string, pairs: readonly number[], rules: readonly RuleAccess[]): void {
    // Per access, the needs of its rule (the rule is looked up once per access of the path).
    const needsOf = new Map<FileAccess, Map<FileAccess, RunSet>>();
    for (let i = 0; i < pairs.length; i += 2)
      for (const a of this.accessesOf(pairs[i + 1]!)) {
        let byAccess = needsOf.get(a);
        if (byAccess === undefined) {
          const rule = rules.find((r) => r.access.includes(a))?.text ?? path;
          byAccess = this.byRule.get(rule);
          if (byAccess === undefined) this.byRule.set(rule, (byAccess = new Map()));
          needsOf.set(a, byAccess);
        }
        const set = byAccess.get(a);
        const grown = this.addRun(set, pairs[i]!);
        if (grown !== set) byAccess.set(a, grown);
      }
  }

  /** The accesses of a mask (one list per mask, shared). */
  private accessesOf(mask: number): readonly FileAccess[] {
    let list = this.masks.get(mask);
    if (list === undefined) this.masks.set(mask, (list = maskAccesses(mask)));
    return list;
  }

  /** `set` with `run`: the same set, or a larger kind (a number becomes a list, a list grown too long bits). */
  private addRun(set: RunSet | undefined, run: number): RunSet {
    if (set === undefined || set === run) return run;
    if (typeof set === 'number') return [set, run];
    if (!Array.isArray(set)) {
      set[run >> 3]! |= 1 << (run & 7);
      return set;
    }
    if (set[set.length - 1] === run || set.includes(run)) return set;
    set.push(run);
    if (set.length <= this.listMax) return set;
    const bits = new Uint8Array((this.runs + 7) >> 3);
    for (const r of set) bits[r >> 3]! |= 1 << (r & 7);
    return bits;
  }

  /** How many file rules each run needed: per rule, the runs of any of its accesses, each once. */
  perRun(): Int32Array {
    const out = new Int32Array(this.runs);
    for (const byAccess of this.byRule.values()) {
      const sets = [...byAccess.values()];
      if (sets.length === 1) for (const r of runsOf(sets[0]!)) out[r]! += 1;
      else if (!sets.some((s) => s instanceof Uint8Array))
        for (const r of new Set(sets.flatMap((s) => [...runsOf(s)]))) out[r]! += 1;
      else {
        const bits = new Uint8Array((this.runs + 7) >> 3);
        for (const s of sets)
          if (s instanceof Uint8Array) for (let i = 0; i < s.length; i++) bits[i]! |= s[i]!;
          else for (const r of runsOf(s)) bits[r >> 3]! |= 1 << (r & 7);
        for (const r of runsOf(bits)) out[r]! += 1;
      }
    }
    return out;
  }

  /** The file needs only one run had. */
  *singles(): Generator<Need> {
    for (const [rule, byAccess] of this.byRule)
      for (const [access, set] of byAccess) {
        // A set of one run is a number (a list or bits holds more than one).
        if (typeof set === 'number') yield { kind: 'files', rule, access, runs: 1, last: set };
      }
  }
}

/** The file needs of the touched paths (sorted by path), generalised as generalizeFiles would, streamed twice. */
function fileNeeds(touched: () => Iterable<[string, readonly number[]]>, runs: number): FileNeeds {
  const rules = StreamedFileRules.of(pathFamilies(streamed(touched())), { dirThreshold: DEFAULT_DIR_THRESHOLD });
  const needs = new FileNeeds(runs);
  for (const family of pathFamilies(streamed(touched()))) {
    const lookUps = rules.lookUp(family);
    family.forEach((m, i) => needs.add(m.path, m.value, lookUps[i]!));
  }
  return needs;
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
function singles(lists: ReadonlyArray<Iterable<Need>>): Map<number, Need[]> {
  const out = new Map<number, Need[]>();
  for (const needs of lists)
    for (const n of needs) {
      if (n.runs !== 1) continue;
      const list = out.get(n.last);
      if (list === undefined) out.set(n.last, [n]);
      else list.push(n);
    }
  return out;
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
  /** Paths generalised once while they are recent, for the curve's prior. */
  private readonly memo = new PathMemo(MEMO_PATHS);
  /** The profile of the runs so far, in memory (no spill); let go at the last report. */
  private prior: IncrementalPrior | undefined;
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

  /** Every touched path with its pairs (run, access mask), sorted by path: in memory, or merged with the spilled chunks. */
  private touchedPaths(): Iterable<[string, readonly number[]]> {
    const memory = sortedEntries(this.touched);
    return this.spill === undefined ? memory : this.spill.touched.merged(memory, (a, b) => a.concat(b));
  }

  /** After each run: every runsPerChunk runs, the touched paths and the last uses so far go to chunks. */
  private spillTouched(): void {
    const spill = this.spill;
    if (spill === undefined || ++spill.pending < spill.options.runsPerChunk) return;
    spill.pending = 0;
    if (this.touched.size > 0) spill.touched.write(sortedEntries(this.touched));
    this.touched = new Map();
    if (spill.recent.size > 0) spill.lastUse.write(sortedEntries(spill.recent));
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
    const files = new Map<string, number>();
    for (const [path, f] of Object.entries(run.files)) files.set(path, accessMask(f.access));
    for (const e of run.executables) files.set(e.path, (files.get(e.path) ?? 0) | accessMask(['exec']));
    let added: CoverageItems | undefined;
    if (this.spill === undefined) added = this.addToPrior(this.prior!, run, i, network);
    else this.logForCurve(this.spill, run, i, network, files.keys());
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

  /**
   * A spilled fold keeps the run for its curve, and notes it as the last run so far of each of its prior keys (of
   * `paths`, the run's files and executables).
   */
  private logForCurve(spill: FoldSpill, run: Recording, i: number, network: string[], paths: Iterable<string>): void {
    spill.curve.append(JSON.stringify([curveRun(run), network]));
    for (const key of priorKeys(paths)) spill.recent.set(key, i);
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
   * The report of the runs folded in so far. With `last`, no run is added after it: the profile of the runs in memory
   * (which holds every path they touched) is let go before the report generalises those paths again. A spilled fold
   * holds none: it makes the curve here, from its log of runs.
   */
  report(opts: CoverageOptions = {}, { last = false }: { last?: boolean } = {}): CoverageReport {
    if (last) {
      this.closed = true;
      this.prior = undefined;
    }
    const added = this.spill === undefined ? this.runs.map((r) => r.added!) : this.spilledCurve(this.spill);
    const files = fileNeeds(() => this.touchedPaths(), this.runs.length);
    const fileRules = files.perRun();
    const runs = this.runs.map((r, i): CoverageRun => ({
      ...r,
      needed: { ...r.needed, files: fileRules[i]! },
      added: added[i]!,
    }));
    const single = singles([this.needs.values(), files.singles()]);
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
