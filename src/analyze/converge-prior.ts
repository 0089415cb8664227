// The profile of the runs so far, kept up to date one run at a time for the learning curve: it answers what addedBy
// asks of the profile of the runs before a run (which syscalls and narrowed argument values, which file accesses
// after generalisation, executables, capabilities, network rules) exactly as buildPolicy over those runs would,
// without rebuilding that profile for every run (which made the curve quadratic in the number of runs).
import type { Abi, FileAccess, Recording } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import type { PathPart } from './policy-types.js';
import { compactPattern, literalText, patternRegExp, patternText } from './pattern.js';
import { addArgFact, knownArgs, noArgValues, type ArgValues } from './known-args.js';
import { DEFAULT_DIR_THRESHOLD, directoryGroup, observedPatterns, type PathMemo } from './generalize.js';

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
  /** Accesses by the observation that brought them. */
  contrib: Map<string, Set<FileAccess>>;
  access: Set<FileAccess>;
  group: string | undefined;
}

interface Observation {
  path: string;
  dirList: boolean;
  access: Set<FileAccess>;
  /** The path in its directory form, as generalisation sees it. */
  normalized: string;
  entries: string[];
}

interface Group {
  rule: PathPart[];
  access: Set<FileAccess>;
  count: number;
  re: RegExp | undefined;
}

/** File rules of the runs so far: generalizeFiles's result, maintained one observation at a time. */
class PriorFiles {
  private readonly observations = new Map<string, Observation>();
  private readonly byPath = new Map<string, string[]>();
  private readonly ancestors = new Set<string>();
  private readonly entries = new Map<string, Entry>();
  private readonly literal = new Map<string, Entry[]>();
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
    for (const [path, access] of files) {
      const dirList = access.has('dir-list');
      const key = `${path}\0${dirList ? 'd' : ''}`;
      const o = this.observations.get(key);
      if (o === undefined) {
        const created: Observation = { path, dirList, access: new Set(access), normalized: '', entries: [] };
        this.observations.set(key, created);
        this.byPath.set(path, [...(this.byPath.get(path) ?? []), key]);
        this.place(key, created);
      } else if ([...access].some((a) => !o.access.has(a))) {
        this.unplace(key, o);
        access.forEach((a) => o.access.add(a));
        this.place(key, o);
      }
    }
  }

  allows(path: string, access: FileAccess): boolean {
    for (const p of [path, `${path}/`]) {
      if ((this.literal.get(p) ?? []).some((e) => e.access.has(access))) return true;
      for (const e of this.globs) if (e.access.has(access) && e.re!.test(p)) return true;
      for (const g of this.crowded) {
        if (!g.access.has(access)) continue;
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
        for (const key of this.byPath.get(dir) ?? []) {
          const o = this.observations.get(key)!;
          this.unplace(key, o);
          this.place(key, o);
        }
      }
      at = path.indexOf('/', at + 1);
    }
  }

  private place(key: string, o: Observation): void {
    o.normalized = o.path.endsWith('/') || !(o.dirList || this.ancestors.has(o.path)) ? o.path : `${o.path}/`;
    o.entries = [];
    for (const part of observedPatterns(o.normalized, [...o.access], this.memo)) {
      const text = patternText(part.pattern);
      let e = this.entries.get(text);
      if (e === undefined) {
        const pattern = compactPattern(part.pattern);
        const literal = literalText(pattern);
        e = { pattern, literal, re: undefined, contrib: new Map(), access: new Set(), group: undefined };
        this.entries.set(text, e);
        if (literal === undefined) {
          e.re = patternRegExp(pattern);
          this.globs.add(e);
        } else this.literal.set(literal, [...(this.literal.get(literal) ?? []), e]);
      }
      e.contrib.set(key, new Set(part.access));
      part.access.forEach((a) => e.access.add(a));
      o.entries.push(text);
      this.regroup(e);
    }
  }

  private unplace(key: string, o: Observation): void {
    for (const text of o.entries) {
      const e = this.entries.get(text)!;
      e.contrib.delete(key);
      e.access = new Set([...e.contrib.values()].flatMap((s) => [...s]));
      if (e.contrib.size === 0) {
        this.entries.delete(text);
        if (e.literal === undefined) this.globs.delete(e);
        else
          this.literal.set(
            e.literal,
            (this.literal.get(e.literal) ?? []).filter((x) => x !== e),
          );
        e.access.clear();
      }
      this.regroup(e);
    }
    o.entries = [];
  }

  /** Keeps the `dir/*` group counts right after an entry's accesses changed. */
  private regroup(e: Entry): void {
    const group = e.access.size === 0 ? undefined : directoryGroup(e.pattern, e.access);
    if (group?.key === e.group) return;
    if (e.group !== undefined) this.count(this.groups.get(e.group)!, -1);
    e.group = group?.key;
    if (group === undefined) return;
    const g = this.groups.get(group.key) ?? {
      rule: compactPattern([...group.dir, { glob: '*' }]),
      access: new Set(e.access),
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

/** A run's file accesses, executables counting as exec (as buildPolicy sees them); relative paths are left out. */
export function observedFiles(run: Recording): Map<string, Set<FileAccess>> {
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
    this.files = new PriorFiles(opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD, opts.memo ?? new Map());
  }

  allows(path: string, access: FileAccess): boolean {
    return this.files.allows(path, access);
  }

  /** Folds in one plain run; `networkItems` names its network facts as the curve does. */
  add(run: Recording, networkItems: readonly string[]): void {
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

  /** A syscall rule as buildPolicy writes it: an argument's values only when every run making the call knew it. */
  syscall(abi: Abi, name: string): { args?: Record<string, string[]> } | undefined {
    const a = this.calls.get(abi)?.get(name);
    if (a === undefined) return undefined;
    const known = knownArgs(a);
    return known.length === 0 ? {} : { args: Object.fromEntries(known.map(([k, v]) => [k, [...v]])) };
  }
}
