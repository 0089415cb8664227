// Path generalisation: observed paths become the file rules of a Policy. Every step is named, explained and reported
// (FileRule.generalized), and none of them widens what may be executed.
import type { FileAccess } from '../recording/types.js';
import type { FileRule, PathPart, Provenance } from './policy-types.js';
import { sortAccesses } from '../recording/normalize.js';
import { byCodeUnit } from '../util/json.js';
import { compactPattern, isLiteralPattern, patternText, splitLastSegment } from './pattern.js';
import { quoteForMessage } from '../util/strings.js';

/** The generalisation steps, in the order they are applied and reported. */
export type GeneralizationStep = 'proc-pid' | 'proc-tid' | 'temp-name' | 'hash' | 'dir-many';
/** The steps in the order they are applied and reported. */
export const GENERALIZATION_STEP_ORDER: readonly GeneralizationStep[] = [
  'proc-pid',
  'proc-tid',
  'temp-name',
  'hash',
  'dir-many',
];

/** More than this many files with the same access in one directory become `dir/*`. */
export const DEFAULT_DIR_THRESHOLD = 8;

/** What each step does, for reports and reviewers. */
export const GENERALIZATION_STEPS: Readonly<Record<GeneralizationStep, string>> = {
  'proc-pid': '/proc/<digits>/ is a process id that differs on every run: @{pid}',
  'proc-tid': '/proc/<pid>/task/<digits> is a thread id: @{tid}',
  'temp-name':
    'a random mkstemp-style name (6+ letters/digits mixing digits and letters or both cases) under /tmp, /var/tmp, /dev/shm, /run or after "tmp.": * within that name',
  hash: 'a hex string of 16+ digits or a UUID (outside /proc, /sys, /dev): * within that name',
  'dir-many': `more than ${DEFAULT_DIR_THRESHOLD} files with the same access in one directory (never /, /etc, /proc, /sys, /dev, never exec): dir/*`,
};

/** One observed path with its accesses and provenance, the input of generalisation. */
export interface FileObservation {
  path: string;
  access: readonly FileAccess[];
  provenance: Provenance;
}

const TEMP_ROOTS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/', '/var/run/'];
const NO_HASH_ROOTS = ['/proc/', '/sys/', '/dev/'];
const NO_DIR_MERGE = new Set(['/', '/etc/', '/proc/', '/sys/']);
const NO_DIR_MERGE_UNDER = ['/proc/', '/sys/', '/dev/'];
const EXECISH: ReadonlySet<FileAccess> = new Set<FileAccess>(['exec', 'mmap-exec']);
const PID = /^[1-9][0-9]*$/;
const UUID =
  /(?<![A-Za-z0-9])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![A-Za-z0-9])/g;

/** True when the last 6 characters of a token look random: digits and letters mixed, or both letter cases. */
function looksRandom(token: string): boolean {
  const t = token.slice(-6);
  return (/[0-9]/.test(t) && /[A-Za-z]/.test(t)) || (/[a-z]/.test(t) && /[A-Z]/.test(t));
}

/** One path segment with random tokens replaced by `*`. */
function generalizeSegment(seg: string, temp: boolean, hash: boolean, steps: Set<GeneralizationStep>): PathPart[] {
  const pieces: PathPart[] = [];
  let rest = seg;
  if (hash) {
    let last = 0;
    for (const m of seg.matchAll(UUID)) {
      pieces.push({ lit: seg.slice(last, m.index) }, { glob: '*' });
      last = m.index + m[0].length;
      steps.add('hash');
    }
    rest = seg.slice(last);
    if (last > 0) pieces.push({ lit: rest });
  }
  const source: PathPart[] = pieces.length > 0 ? pieces : [{ lit: rest }];
  const out: PathPart[] = [];
  for (const piece of source) {
    if (!('lit' in piece)) {
      out.push(piece);
      continue;
    }
    const tokens = piece.lit.split(/([A-Za-z0-9]+)/);
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const isAlnum = i % 2 === 1;
      if (isAlnum && hash && /^[0-9a-fA-F]{16,}$/.test(tok)) {
        out.push({ glob: '*' });
        steps.add('hash');
      } else if (
        isAlnum &&
        tok.length >= 6 &&
        looksRandom(tok) &&
        (temp || (i === 3 && tokens[1] === 'tmp' && tokens[2] === '.'))
      ) {
        out.push({ glob: '*' });
        steps.add('temp-name');
      } else {
        out.push({ lit: tok });
      }
    }
  }
  return compactPattern(out);
}

/** A path as a pattern: pids/tids always, random names and hashes when `names` is set; with the steps used. */
export function generalizePath(path: string, names: boolean): { pattern: PathPart[]; steps: GeneralizationStep[] } {
  const segs = path.split('/');
  const steps = new Set<GeneralizationStep>();
  const parts: PathPart[] = [];
  const inProc = segs[1] === 'proc' && segs.length > 2;
  const tempRoot = TEMP_ROOTS.find((r) => path.startsWith(r));
  const tempDepth = tempRoot ? tempRoot.split('/').length - 1 : Infinity;
  const hashable = !NO_HASH_ROOTS.some((r) => path.startsWith(r)) || path.startsWith('/dev/shm/');
  segs.forEach((seg, i) => {
    if (i > 0) parts.push({ lit: '/' });
    if (inProc && i === 2 && PID.test(seg)) {
      parts.push({ glob: '@{pid}' });
      steps.add('proc-pid');
    } else if (inProc && i === 4 && segs[3] === 'task' && (PID.test(segs[2]!) || segs[2] === 'self') && PID.test(seg)) {
      parts.push({ glob: '@{tid}' });
      steps.add('proc-tid');
    } else if (names && seg !== '' && !inProc) {
      parts.push(...generalizeSegment(seg, i >= tempDepth, hashable, steps));
    } else {
      parts.push({ lit: seg });
    }
  });
  return { pattern: compactPattern(parts), steps: GENERALIZATION_STEP_ORDER.filter((s) => steps.has(s)) };
}

interface Entry {
  pattern: PathPart[];
  access: Set<FileAccess>;
  recordings: Set<string>;
  count: number;
  steps: Set<GeneralizationStep>;
  from: Set<string>;
}

function addEntry(entries: Map<string, Entry>, e: Entry): void {
  const key = patternText(e.pattern);
  const old = entries.get(key);
  if (!old) {
    entries.set(key, e);
    return;
  }
  e.access.forEach((a) => old.access.add(a));
  e.recordings.forEach((r) => old.recordings.add(r));
  e.steps.forEach((s) => old.steps.add(s));
  e.from.forEach((f) => old.from.add(f));
  old.count += e.count;
}

type Generalized = ReturnType<typeof generalizePath>;

/**
 * generalizePath's answers (with and without names) by path, for callers that see one path many times. Equal answers
 * are kept once: the many paths that differ only by a pid or a temporary name share theirs, so a path costs its entry.
 * With `limit`, the memo forgets everything when it holds that many paths (a fleet's runs each bring paths of their
 * own, seen once: an unbounded memo grows with the number of runs; the paths every run shares are soon back).
 */
export class PathMemo {
  private readonly byPath = new Map<string, readonly [Generalized, Generalized]>();
  private readonly shared = new Map<string, readonly [Generalized, Generalized]>();

  constructor(private readonly limit = Infinity) {}

  /** Both answers for `path`. */
  get(path: string): readonly [Generalized, Generalized] {
    let both = this.byPath.get(path);
    if (both === undefined) {
      if (this.byPath.size >= this.limit) {
        this.byPath.clear();
        this.shared.clear();
      }
      const made = [generalizePath(path, true), generalizePath(path, false)] as const;
      const key = JSON.stringify(made);
      both = this.shared.get(key) ?? made;
      this.shared.set(key, both);
      this.byPath.set(path, both);
    }
    return both;
  }

  /** generalizePath(path, true). */
  full(path: string): Generalized {
    return this.get(path)[0];
  }

  /** generalizePath(path, false). */
  pidOnly(path: string): Generalized {
    return this.get(path)[1];
  }
}

/** What observedPatterns asks of a memo: generalizePath's answers for a path, with names and without (pids only). */
export interface PathAnswers {
  full(path: string): Generalized;
  pidOnly(path: string): Generalized;
}

/**
 * generalizePath's answers for the last few paths only, each made when asked: for a stream of paths sorted by path,
 * where the observations of one path come together and are not seen again (nothing is kept, so nothing grows).
 */
export class RecentPaths implements PathAnswers {
  private readonly byPath = new Map<string, { full?: Generalized; pidOnly?: Generalized }>();

  private answers(path: string): { full?: Generalized; pidOnly?: Generalized } {
    let a = this.byPath.get(path);
    if (a === undefined) {
      if (this.byPath.size >= 8) this.byPath.clear();
      this.byPath.set(path, (a = {}));
    }
    return a;
  }

  /** generalizePath(path, true). */
  full(path: string): Generalized {
    const a = this.answers(path);
    return (a.full ??= generalizePath(path, true));
  }

  /** generalizePath(path, false). */
  pidOnly(path: string): Generalized {
    const a = this.answers(path);
    return (a.pidOnly ??= generalizePath(path, false));
  }
}

/**
 * The patterns one observed path (already in its directory form) becomes, each with its share of the accesses: one,
 * or two when it was executed and its name looks random (execution stays literal; `literalExec` marks that part).
 */
export function observedPatterns(
  path: string,
  access: readonly FileAccess[],
  memo: PathAnswers = new PathMemo(),
): Array<{ pattern: PathPart[]; access: FileAccess[]; steps: GeneralizationStep[]; literalExec?: true }> {
  const full = memo.full(path);
  const execish = access.filter((a) => EXECISH.has(a));
  const rest = access.filter((a) => !EXECISH.has(a));
  // Without names, only where it matters (an execution): the answer without names is asked only then.
  const pidOnly = execish.length > 0 ? memo.pidOnly(path) : full;
  if (full.steps.length > pidOnly.steps.length) {
    const out: Array<{ pattern: PathPart[]; access: FileAccess[]; steps: GeneralizationStep[]; literalExec?: true }> = [
      { pattern: pidOnly.pattern, access: execish, steps: pidOnly.steps, literalExec: true },
    ];
    if (rest.length > 0) out.push({ pattern: full.pattern, access: rest, steps: full.steps });
    return out;
  }
  return [{ pattern: full.pattern, access: [...access], steps: full.steps }];
}

/** The directory a rule of this pattern and access would be grouped under for `dir/*`, or undefined when never. */
export function directoryGroup(
  pattern: readonly PathPart[],
  access: Iterable<FileAccess>,
): { dir: PathPart[]; key: string } | undefined {
  const list = [...access];
  if (list.some((a) => EXECISH.has(a))) return undefined;
  const split = splitLastSegment(pattern);
  if (!split || split.name.length === 0) return undefined;
  const dirText = patternText(split.dir);
  if (NO_DIR_MERGE.has(dirText) || NO_DIR_MERGE_UNDER.some((r) => dirText.startsWith(r))) return undefined;
  return { dir: split.dir, key: `${dirText}\0${sortAccesses(list).join(',')}` };
}

/** Paths that are directories: they end in `/`, were listed, or another observed path lies below them. */
function normalizeDirectories(obs: readonly FileObservation[]): FileObservation[] {
  const ancestors = new Set<string>();
  for (const o of obs) {
    let at = o.path.indexOf('/', 1);
    while (at > 0) {
      ancestors.add(o.path.slice(0, at));
      at = o.path.indexOf('/', at + 1);
    }
  }
  return obs.map((o) => {
    if (o.path.endsWith('/')) return o;
    if (o.access.includes('dir-list') || ancestors.has(o.path)) return { ...o, path: `${o.path}/` };
    return o;
  });
}

function entryFor(
  pattern: PathPart[],
  access: Iterable<FileAccess>,
  o: FileObservation,
  steps: Iterable<GeneralizationStep>,
): Entry {
  return {
    pattern,
    access: new Set(access),
    recordings: new Set(o.provenance.recordings),
    count: o.provenance.count,
    steps: new Set(steps),
    from: new Set([o.path]),
  };
}

function mergeDirectories(entries: Map<string, Entry>, threshold: number): void {
  const groups = new Map<string, { dir: PathPart[]; keys: string[] }>();
  for (const [key, e] of entries) {
    const group = directoryGroup(e.pattern, e.access);
    if (group === undefined) continue;
    const g = groups.get(group.key) ?? { dir: group.dir, keys: [] };
    g.keys.push(key);
    groups.set(group.key, g);
  }
  for (const g of [...groups.values()].sort((a, b) => byCodeUnit(patternText(a.dir), patternText(b.dir)))) {
    if (g.keys.length <= threshold) continue;
    const merged: Entry = {
      pattern: compactPattern([...g.dir, { glob: '*' }]),
      access: new Set(),
      recordings: new Set(),
      count: 0,
      steps: new Set(['dir-many']),
      from: new Set(),
    };
    for (const key of g.keys) {
      const e = entries.get(key)!;
      entries.delete(key);
      e.access.forEach((a) => merged.access.add(a));
      e.recordings.forEach((r) => merged.recordings.add(r));
      e.steps.forEach((s) => merged.steps.add(s));
      e.from.forEach((f) => merged.from.add(f));
      merged.count += e.count;
    }
    addEntry(entries, merged);
  }
}

/** Observed paths to sorted file rules: pid/tid, random-name and hash globs, then `dir/*` for crowded directories. */
export function generalizeFiles(
  obs: readonly FileObservation[],
  opts: { dirThreshold?: number; memo?: PathMemo } = {},
): { rules: FileRule[]; warnings: string[] } {
  const threshold = opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD;
  const warnings = new Set<string>();
  const entries = new Map<string, Entry>();
  // Many runs observe the same paths: each path is generalised once.
  const memo: PathMemo = opts.memo ?? new PathMemo();
  for (const o of normalizeDirectories(obs)) {
    const parts = observedPatterns(o.path, o.access, memo);
    for (const p of parts) addEntry(entries, entryFor(p.pattern, p.access, o, p.steps));
    if (parts.some((p) => p.literalExec === true))
      warnings.add(
        `exec/mmap-exec of ${quoteForMessage(o.path)} kept literal: random-looking names are never generalised for execution, so another run may need a new rule`,
      );
  }
  mergeDirectories(entries, threshold);
  const rules: FileRule[] = [...entries.entries()]
    .sort((a, b) => byCodeUnit(a[0], b[0]))
    .map(([, e]) => {
      const rule: FileRule = {
        pattern: e.pattern,
        access: sortAccesses(e.access),
        provenance: { recordings: [...e.recordings].sort(byCodeUnit), count: e.count },
      };
      if (!isLiteralPattern(e.pattern)) {
        rule.generalized = {
          step: GENERALIZATION_STEP_ORDER.filter((s) => e.steps.has(s)).join('+'),
          from: [...e.from].sort(byCodeUnit),
        };
      }
      return rule;
    });
  return { rules, warnings: [...warnings].sort(byCodeUnit) };
}

/**
 * A path of a stream sorted by path: its accesses per observation (none when not observed), the caller's value, and
 * whether an observed path lies below it (normalizeDirectories's ancestors), which pathFamilies sets (give false).
 */
export interface FamilyPath<T> {
  path: string;
  observed: ReadonlyArray<readonly FileAccess[]>;
  value: T;
  below: boolean;
}

/** One path and the same path with trailing slashes (`/a`, `/a/`, `/a//`): those a path's rules are looked up among. */
export type PathFamily<T> = Array<FamilyPath<T>>;

/** A path without its trailing slashes: what the paths of one family share. */
function familyBase(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}

/**
 * The paths of `paths` (absolute ones sorted by code unit, as byStableKey sorts them), by family, each family given
 * once every path below it has passed, so that whether a path is a directory is known without holding the paths: only
 * the chain of families whose first path is a prefix of the current path waits.
 */
export function* pathFamilies<T>(paths: Iterable<FamilyPath<T>>): Generator<PathFamily<T>> {
  const waiting: Array<PathFamily<T>> = [];
  let previous: string | undefined;
  for (const p of paths) {
    if (p.path.startsWith('/')) {
      if (previous !== undefined && byCodeUnit(previous, p.path) >= 0)
        throw new Error(`path ${quoteForMessage(p.path)} after ${quoteForMessage(previous)} (expected sorted paths)`);
      previous = p.path;
    }
    while (waiting.length > 0 && !p.path.startsWith(waiting[waiting.length - 1]![0]!.path)) yield waiting.pop()!;
    if (p.observed.length > 0)
      for (const family of waiting)
        for (const m of family) if (p.path[m.path.length] === '/' && p.path.startsWith(m.path)) m.below = true;
    p.below = false;
    const top = waiting[waiting.length - 1];
    if (top !== undefined && familyBase(top[0]!.path) === familyBase(p.path)) top.push(p);
    else waiting.push([p]);
  }
  while (waiting.length > 0) yield waiting.pop()!;
}

/** Each observation of a family as normalizeDirectories gives it: its path (with `/` for a directory) and accesses. */
function familyObservations<T>(family: PathFamily<T>): Array<[string, readonly FileAccess[]]> {
  const out: Array<[string, readonly FileAccess[]]> = [];
  for (const m of family)
    for (const access of m.observed)
      out.push([!m.path.endsWith('/') && (m.below || access.includes('dir-list')) ? `${m.path}/` : m.path, access]);
  return out;
}

/** A file rule as a path's look-up gives it: its pattern's text and its accesses. */
export interface RuleAccess {
  readonly text: string;
  readonly access: readonly FileAccess[];
}

/** A final rule of StreamedFileRules. */
interface StreamedRule extends RuleAccess {
  readonly literal: boolean;
}

/**
 * generalizeFiles's rules of observations streamed by family (pathFamilies), kept by pattern rather than by path: what
 * each rule allows, and the rule each observed pattern ended in; the paths themselves are not held. `lookUp` gives a
 * path's rules as the paths each rule came from (FileRule.generalized.from, literal rules by their text) give them.
 */
export class StreamedFileRules {
  private constructor(
    /** Final rule by the text of each pattern an observation had. */
    private readonly ruleOf: ReadonlyMap<string, StreamedRule>,
    /** The final rules by text. */
    private readonly rules: ReadonlyMap<string, StreamedRule>,
    private readonly memo: PathAnswers,
  ) {}

  /** The rules of every observation of `families` (folded as generalizeFiles folds them, `from` by pattern). */
  static of<T>(
    families: Iterable<PathFamily<T>>,
    opts: { dirThreshold?: number; memo?: PathAnswers } = {},
  ): StreamedFileRules {
    const memo = opts.memo ?? new RecentPaths();
    const entries = new Map<string, Entry>();
    for (const family of families)
      for (const [path, access] of familyObservations(family))
        for (const p of observedPatterns(path, access, memo)) {
          // addEntry's fold, without making an entry for a pattern already seen (most are).
          const text = patternText(p.pattern);
          const seen = entries.get(text);
          if (seen !== undefined) for (const a of p.access) seen.access.add(a);
          else
            entries.set(text, {
              pattern: p.pattern,
              access: new Set(p.access),
              recordings: new Set(),
              count: 1,
              steps: new Set(),
              from: new Set([text]),
            });
        }
    mergeDirectories(entries, opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD);
    const ruleOf = new Map<string, StreamedRule>();
    const rules = new Map<string, StreamedRule>();
    for (const [text, e] of entries) {
      const rule = { text, access: sortAccesses(e.access), literal: isLiteralPattern(e.pattern) };
      rules.set(text, rule);
      for (const pattern of e.from) ruleOf.set(pattern, rule);
    }
    return new StreamedFileRules(ruleOf, rules, memo);
  }

  /** Every rule, sorted by text (generalizeFiles's rules: their text and accesses). */
  list(): RuleAccess[] {
    return [...this.rules.values()].sort((a, b) => byCodeUnit(a.text, b.text));
  }

  /**
   * For each path of `family` (a family of the same stream), the rules whose paths hold it, else those whose paths hold
   * it as a directory (`path/`), sorted by text: rulesByPath's look-up of generalizeFiles's rules.
   */
  lookUp<T>(family: PathFamily<T>): RuleAccess[][] {
    const observations = familyObservations(family);
    return family.map((m) => {
      const own = this.holding(m.path, observations);
      return own.length > 0 ? own : this.holding(`${m.path}/`, observations);
    });
  }

  /** The rules whose paths hold `path`: those of its observations but literal ones, and the literal rule of its text. */
  private holding(path: string, observations: ReadonlyArray<[string, readonly FileAccess[]]>): RuleAccess[] {
    const held: StreamedRule[] = [];
    const hold = (rule: StreamedRule) => held.includes(rule) || held.push(rule);
    for (const [p, access] of observations) {
      if (p !== path) continue;
      for (const part of observedPatterns(p, access, this.memo)) {
        const rule = this.ruleOf.get(patternText(part.pattern));
        if (rule === undefined) throw new Error(`path ${quoteForMessage(p)}: not among the observations of the rules`);
        if (!rule.literal) hold(rule);
      }
    }
    const literal = this.rules.get(path);
    if (literal?.literal === true) hold(literal);
    return held.length > 1 ? held.sort((a, b) => byCodeUnit(a.text, b.text)) : held;
  }
}
