// The profile of the runs so far, kept up to date one run at a time for the learning curve: it answers what addedBy
// asks of the profile of the runs before a run (which syscalls and narrowed argument values, which file accesses
// after generalisation, executables, capabilities, network rules) exactly as buildPolicy over those runs would,
// without rebuilding that profile for every run (which made the curve quadratic in the number of runs).
import type { Abi, FileAccess, FileFact, Recording } from '../recording/types.js';
import { ABIS, FILE_ACCESSES } from '../recording/types.js';
import type { PathPart } from './policy-types.js';
import { compactPattern, literalText, patternRegExp, patternText } from './pattern.js';
import { addArgFact, knownArgs, noArgValues, type ArgValues } from './known-args.js';
import { DEFAULT_DIR_THRESHOLD, directoryGroup, observedPatterns, PathMemo } from './generalize.js';
import { accessMask, hasAccess, maskAccesses } from './access-mask.js';

/** What the learning curve asks of a prior profile. */
export interface PriorProfile {
  /** The rule of a syscall (with its argument values, as buildPolicy keeps them), undefined when it has none. */
  syscall(abi: Abi, name: string): { args?: Record<string, string[]> } | undefined;
  /** Whether some file rule grants `access` on `path` (or on `path/`, the form a directory's rule takes). */
  allows(path: string, access: FileAccess): boolean;
  executables: ReadonlySet<string>;
  capabilities: ReadonlySet<string>;
  /** Network items (networkItems of the profile's network section). */
  network: ReadonlySet<string>;
}

interface Entry {
  pattern: PathPart[];
  literal: string | undefined;
  re: RegExp | undefined;
  /** How many observations' parts it holds, and per access bit how many of them bring it (access-mask.ts). */
  parts: number;
  bits: Int32Array;
  access: number;
  group: string | undefined;
}

/**
 * One observed path, as a number (an observation is kept for every path any run touched, and a fleet's runs touch paths
 * of their own: pids, temporary names): its accesses as a mask, and DIR_FORM when generalisation sees it in its
 * directory form (`path/`). Its key is the path, or the path and "\0d" when a run listed it as a directory. The
 * entries it brings are not kept: they are made again from the path, its form and its accesses when it moves.
 */
const DIR_FORM = 1 << 30;
const LISTED = '\0d';

interface Group {
  rule: PathPart[];
  access: number;
  count: number;
  re: RegExp | undefined;
}

/** File rules of the runs so far: generalizeFiles's result, maintained one observation at a time. */
class PriorFiles {
  private readonly observations = new Map<string, number>();
  private readonly ancestors = new Set<string>();
  private readonly entries = new Map<string, Entry>();
  private readonly literal = new Map<string, Entry | Entry[]>();
  private readonly globs = new Set<Entry>();
  private readonly groups = new Map<string, Group>();
  /** The groups with more entries than the threshold: the `dir/*` rules. */
  private readonly crowded = new Set<Group>();

  constructor(
    private readonly threshold: number,
    private readonly memo: PathMemo,
  ) {}

  /** A run's observed paths (path to accesses, absolute paths only), folded in. */
  add(files: ReadonlyMap<string, ReadonlySet<FileAccess>>): void {
    for (const path of files.keys()) this.addAncestors(path);
    for (const [path, accessSet] of files) {
      const access = accessMask(accessSet);
      const key = accessSet.has('dir-list') ? `${path}${LISTED}` : path;
      const o = this.observations.get(key);
      if (o === undefined) this.place(key, access);
      else if ((access & ~o) !== 0) {
        this.unplace(key, o);
        this.place(key, (o & ~DIR_FORM) | access);
      }
    }
  }

  /**
   * Lets go of what is kept for `keys` (paths and directories, as priorKeys names them). Their rules stay; only a path
   * no later run observes, or has a path below it, may be forgotten: the answers then stay exactly the same, since a
   * later run reads and moves only the observations of its own paths and of the directories above them.
   */
  forget(keys: Iterable<string>): void {
    for (const key of keys) {
      this.observations.delete(key);
      this.observations.delete(`${key}${LISTED}`);
      this.ancestors.delete(key);
    }
  }

  /** How many paths and directories are kept. */
  get kept(): number {
    return this.observations.size + this.ancestors.size;
  }

  private literalEntries(text: string): readonly Entry[] {
    const at = this.literal.get(text);
    return at === undefined ? [] : Array.isArray(at) ? at : [at];
  }

  allows(path: string, access: FileAccess): boolean {
    for (const p of [path, `${path}/`]) {
      if (this.literalEntries(p).some((e) => hasAccess(e.access, access))) return true;
      for (const e of this.globs) if (hasAccess(e.access, access) && e.re!.test(p)) return true;
      for (const g of this.crowded) {
        if (!hasAccess(g.access, access)) continue;
        g.re ??= patternRegExp(g.rule);
        if (g.re.test(p)) return true;
      }
    }
    return false;
  }

  /** A new path makes each directory above it a directory: an observation of that directory takes its `dir/` form. */
  private addAncestors(path: string): void {
    let at = path.indexOf('/', 1);
    while (at > 0) {
      const dir = path.slice(0, at);
      if (!this.ancestors.has(dir)) {
        this.ancestors.add(dir);
        for (const key of [dir, `${dir}${LISTED}`]) {
          const o = this.observations.get(key);
          if (o === undefined) continue;
          this.unplace(key, o);
          this.place(key, o & ~DIR_FORM);
        }
      }
      at = path.indexOf('/', at + 1);
    }
  }

  /** The parts (pattern and accesses) an observation brings, made as place made them. */
  private parts(key: string, o: number): ReturnType<typeof observedPatterns> {
    const path = key.endsWith(LISTED) ? key.slice(0, -LISTED.length) : key;
    return observedPatterns((o & DIR_FORM) !== 0 ? `${path}/` : path, maskAccesses(o & ~DIR_FORM), this.memo);
  }

  /** Observation `key` with accesses `access` (its form decided here) placed into the entries, and kept. */
  private place(key: string, access: number): void {
    const listed = key.endsWith(LISTED);
    const path = listed ? key.slice(0, -LISTED.length) : key;
    const dirForm = !path.endsWith('/') && (listed || this.ancestors.has(path));
    const o = dirForm ? access | DIR_FORM : access;
    this.observations.set(key, o);
    for (const part of this.parts(key, o)) {
      const text = patternText(part.pattern);
      let e = this.entries.get(text);
      if (e === undefined) {
        const pattern = compactPattern(part.pattern);
        const literal = literalText(pattern);
        e = {
          pattern,
          literal,
          re: undefined,
          parts: 0,
          bits: new Int32Array(FILE_ACCESSES.length),
          access: 0,
          group: undefined,
        };
        this.entries.set(text, e);
        if (literal === undefined) {
          e.re = patternRegExp(pattern);
          this.globs.add(e);
        } else {
          const old = this.literalEntries(literal);
          this.literal.set(literal, old.length === 0 ? e : [...old, e]);
        }
      }
      const share = accessMask(part.access);
      e.parts++;
      for (let bit = 0; bit < FILE_ACCESSES.length; bit++) if ((share & (1 << bit)) !== 0) e.bits[bit]!++;
      e.access |= share;
      this.regroup(e);
    }
  }

  /** Observation `key` (as it is kept, `o`) taken out of the entries, before it is placed again. */
  private unplace(key: string, o: number): void {
    for (const part of this.parts(key, o)) {
      const text = patternText(part.pattern);
      const e = this.entries.get(text)!;
      const share = accessMask(part.access);
      e.parts--;
      e.access = 0;
      for (let bit = 0; bit < FILE_ACCESSES.length; bit++) {
        if ((share & (1 << bit)) !== 0) e.bits[bit]!--;
        if (e.bits[bit]! > 0) e.access |= 1 << bit;
      }
      if (e.parts === 0) {
        this.entries.delete(text);
        if (e.literal === undefined) this.globs.delete(e);
        else {
          const rest = this.literalEntries(e.literal).filter((x) => x !== e);
          if (rest.length === 0) this.literal.delete(e.literal);
          else this.literal.set(e.literal, rest.length === 1 ? rest[0]! : rest);
        }
      }
      this.regroup(e);
    }
  }

  /** Keeps the `dir/*` group counts right after an entry's accesses changed. */
  private regroup(e: Entry): void {
    const group = e.access === 0 ? undefined : directoryGroup(e.pattern, maskAccesses(e.access));
    if (group?.key === e.group) return;
    if (e.group !== undefined) this.count(this.groups.get(e.group)!, -1);
    e.group = group?.key;
    if (group === undefined) return;
    const g = this.groups.get(group.key) ?? {
      rule: compactPattern([...group.dir, { glob: '*' }]),
      access: e.access,
      count: 0,
      re: undefined,
    };
    this.groups.set(group.key, g);
    this.count(g, 1);
  }

  private count(g: Group, by: number): void {
    g.count += by;
    if (g.count > this.threshold) this.crowded.add(g);
    else this.crowded.delete(g);
  }
}

/** What the learning curve reads of a run (a Recording is one): what the coverage fold keeps of a run for its curve. */
export interface CurveRun {
  syscalls: Recording['syscalls'];
  files: Readonly<Record<string, FileFact>>;
  executables: ReadonlyArray<{ path: string }>;
  identity: { capabilities: ReadonlyArray<{ name: string }> };
}

/** The part of `run` the learning curve reads. */
export function curveRun(run: Recording): CurveRun {
  return {
    syscalls: run.syscalls,
    files: run.files,
    executables: run.executables.map((e) => ({ path: e.path })),
    identity: { capabilities: run.identity.capabilities.map((c) => ({ name: c.name })) },
  };
}

/**
 * The keys the prior keeps for a run's paths (its files and executables): each absolute path and each directory above
 * it; relative paths are left out, as observedFiles leaves them out. A key no later run brings may be forgotten after
 * this run (IncrementalPrior.forget).
 */
export function priorKeys(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith('/')) continue;
    out.add(path);
    for (let at = path.indexOf('/', 1); at > 0; at = path.indexOf('/', at + 1)) out.add(path.slice(0, at));
  }
  return out;
}

/** A run's file accesses, executables counting as exec (as buildPolicy sees them); relative paths are left out. */
export function observedFiles(run: Pick<CurveRun, 'files' | 'executables'>): Map<string, Set<FileAccess>> {
  const out = new Map<string, Set<FileAccess>>();
  for (const [path, f] of Object.entries(run.files)) out.set(path, new Set(f.access));
  for (const e of run.executables) out.set(e.path, (out.get(e.path) ?? new Set<FileAccess>()).add('exec'));
  for (const path of out.keys()) if (!path.startsWith('/')) out.delete(path);
  return out;
}

/** The profile of the runs folded in so far (see PriorProfile); `add` folds in one more run. */
export class IncrementalPrior implements PriorProfile {
  readonly executables = new Set<string>();
  readonly capabilities = new Set<string>();
  readonly network = new Set<string>();
  private readonly files: PriorFiles;
  private readonly calls = new Map<Abi, Map<string, ArgValues>>();

  /** `memo` may be shared with a generalizeFiles over the same paths. */
  constructor(opts: { dirThreshold?: number; memo?: PathMemo } = {}) {
    this.files = new PriorFiles(opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD, opts.memo ?? new PathMemo());
  }

  allows(path: string, access: FileAccess): boolean {
    return this.files.allows(path, access);
  }

  /** Folds in one plain run; `networkItems` names its network facts as the curve does. */
  add(run: CurveRun, networkItems: readonly string[]): void {
    for (const abi of ABIS) {
      for (const [name, fact] of Object.entries(run.syscalls[abi] ?? {})) {
        const byName = this.calls.get(abi) ?? new Map<string, ArgValues>();
        this.calls.set(abi, byName);
        const a = byName.get(name) ?? noArgValues();
        byName.set(name, a);
        addArgFact(a, fact.args);
      }
    }
    this.files.add(observedFiles(run));
    run.executables.forEach((e) => this.executables.add(e.path));
    run.identity.capabilities.forEach((c) => this.capabilities.add(c.name));
    networkItems.forEach((n) => this.network.add(n));
  }

  /** Lets go of the paths and directories `keys` (priorKeys) once no later run brings them; the answers stay the same. */
  forget(keys: Iterable<string>): void {
    this.files.forget(keys);
  }

  /** How many paths and directories the profile keeps (for tests of forget). */
  get keptPaths(): number {
    return this.files.kept;
  }

  /** A syscall rule as buildPolicy writes it: an argument's values only when every run making the call knew it. */
  syscall(abi: Abi, name: string): { args?: Record<string, string[]> } | undefined {
    const a = this.calls.get(abi)?.get(name);
    if (a === undefined) return undefined;
    const known = knownArgs(a);
    return known.length === 0 ? {} : { args: Object.fromEntries(known.map(([k, v]) => [k, [...v]])) };
  }
}
