// The profile of the runs so far, kept up to date one run at a time for the learning curve: it answers what addedBy
// asks of the profile of the runs before a run (which syscalls and narrowed argument values, which file accesses
// after generalisation, executables, capabilities, network rules) exactly as buildPolicy over those runs would,
// without rebuilding that profile for every run (which made the curve quadratic in the number of runs).
import type { Abi, FileAccess, Recording } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
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
  /** Accesses (access-mask.ts) by the observation (its key) that brought them. */
  contrib: Map<string, number>;
  access: number;
  group: string | undefined;
}

/**
 * One observed path (key: the path, or the path and "\0d" when a run listed it as a directory), kept small: there is
 * one for every path any run touched, and a fleet's runs touch paths of their own (pids, temporary names).
 */
interface Observation {
  path: string;
  dirList: boolean;
  /** Accesses, as a mask. */
  access: number;
  /** Whether generalisation sees it in its directory form (`path/`). */
  dirForm: boolean;
  /** The pattern texts of the entries it contributes to (one, or two when an exec part stays literal). */
  entries: string | string[];
}

interface Group {
  rule: PathPart[];
  access: number;
  count: number;
  re: RegExp | undefined;
}

const entryTexts = (o: Observation): readonly string[] => (typeof o.entries === 'string' ? [o.entries] : o.entries);

/** File rules of the runs so far: generalizeFiles's result, maintained one observation at a time. */
class PriorFiles {
  private readonly observations = new Map<string, Observation>();
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
      const dirList = accessSet.has('dir-list');
      const key = dirList ? `${path}\0d` : path;
      const o = this.observations.get(key);
      if (o === undefined) {
        const created: Observation = { path, dirList, access, dirForm: false, entries: [] };
        this.observations.set(key, created);
        this.place(key, created);
      } else if ((access & ~o.access) !== 0) {
        this.unplace(key, o);
        o.access |= access;
        this.place(key, o);
      }
    }
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
        for (const key of [dir, `${dir}\0d`]) {
          const o = this.observations.get(key);
          if (o === undefined) continue;
          this.unplace(key, o);
          this.place(key, o);
        }
      }
      at = path.indexOf('/', at + 1);
    }
  }

  private place(key: string, o: Observation): void {
    o.dirForm = !o.path.endsWith('/') && (o.dirList || this.ancestors.has(o.path));
    const texts: string[] = [];
    for (const part of observedPatterns(o.dirForm ? `${o.path}/` : o.path, maskAccesses(o.access), this.memo)) {
      const text = patternText(part.pattern);
      let e = this.entries.get(text);
      if (e === undefined) {
        const pattern = compactPattern(part.pattern);
        const literal = literalText(pattern);
        e = { pattern, literal, re: undefined, contrib: new Map(), access: 0, group: undefined };
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
      e.contrib.set(key, share);
      e.access |= share;
      texts.push(text);
      this.regroup(e);
    }
    o.entries = texts.length === 1 ? texts[0]! : texts;
  }

  private unplace(key: string, o: Observation): void {
    for (const text of entryTexts(o)) {
      const e = this.entries.get(text)!;
      e.contrib.delete(key);
      e.access = 0;
      for (const share of e.contrib.values()) e.access |= share;
      if (e.contrib.size === 0) {
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
    o.entries = [];
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
    this.files = new PriorFiles(opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD, opts.memo ?? new PathMemo());
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
