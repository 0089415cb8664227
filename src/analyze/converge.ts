// Convergence of runs made in order: what each run did that the profile of the runs before it would not allow (the
// learning curve), and the verdict: converged when the last K runs added nothing.
import type { Abi, FileAccess, Recording } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { sortAccesses } from '../recording/normalize.js';
import { badInput } from '../errors.js';
import { byCodeUnit } from '../util/json.js';
import { addedArguments } from './converge-args.js';
import type { CoverageItems, CoverageKind } from './coverage.js';
import { literalText, patternRegExp } from './pattern.js';
import { IncrementalPrior, observedFiles, type CurveRun, type PriorProfile } from './converge-prior.js';
import type { FileRule, Policy } from './policy-types.js';

/** How many last runs must add nothing, unless asked otherwise. */
export const DEFAULT_CONVERGE_RUNS = 3;

/** The verdict over runs in order, with K (`window`) the number of last runs that must add nothing. */
export type ConvergenceVerdict =
  | { state: 'converged'; window: number; runs: number }
  | { state: 'not-converged'; window: number; runs: number; adding: Array<{ run: number; name: string }> }
  | { state: 'undecided'; window: number; runs: number; needed: number };

/** A syscall as coverage names it: "read", "socketcall (i386)". */
export function syscallItem(abi: Abi, name: string): string {
  return abi === 'x86_64' ? name : `${name} (${abi})`;
}

/** A file item: "/etc/hosts (read, lock)". */
export function fileItem(path: string, access: Iterable<FileAccess>): string {
  return `${path} (${sortAccesses(access).join(', ')})`;
}

/** The file rules of a profile, literal ones by path for a quick look-up. */
class FileRules {
  private readonly literal = new Map<string, FileRule[]>();
  private readonly globs: Array<{ access: readonly FileAccess[]; re: RegExp }> = [];
  constructor(rules: readonly FileRule[]) {
    for (const r of rules) {
      const text = literalText(r.pattern);
      if (text === undefined) this.globs.push({ access: r.access, re: patternRegExp(r.pattern) });
      else this.literal.set(text, [...(this.literal.get(text) ?? []), r]);
    }
  }
  /** Whether some rule grants `access` on `path` (or on `path/`, the form a directory's rule takes). */
  allows(path: string, access: FileAccess): boolean {
    return [path, `${path}/`].some(
      (p) =>
        (this.literal.get(p) ?? []).some((r) => r.access.includes(access)) ||
        this.globs.some((g) => g.access.includes(access) && g.re.test(p)),
    );
  }
}

const endpoint = (verb: string, e: { family: string; address: string; port: number }) =>
  `${verb} ${e.family} ${e.address}${e.port ? `:${e.port}` : ''}`;

/** The network items of a run or a profile: "socket AF_INET SOCK_STREAM IPPROTO_TCP", "connect AF_UNIX /run/db.sock". */
export function networkItems(n: Recording['network']): string[] {
  return [
    ...n.sockets.map((s) => `socket ${s.family} ${s.type} ${s.protocol}`),
    ...(['bind', 'connect', 'listen'] as const).flatMap((verb) => n[verb].map((e) => endpoint(verb, e))),
  ];
}

/** A profile as the learning curve asks of it (PriorProfile), from a built Policy. */
export function policyPrior(policy: Policy): PriorProfile {
  const rules = new FileRules(policy.files);
  return {
    syscall: (abi, name) => policy.syscalls[abi]?.[name],
    allows: (path, access) => rules.allows(path, access),
    executables: new Set(policy.executables.map((e) => e.path)),
    capabilities: new Set(policy.capabilities.map((c) => c.name)),
    network: new Set(networkItems(policy.network)),
  };
}

/** What `run` did that `prior` (the profile of the runs before it; undefined for none) does not allow, sorted. */
export function addedBy(run: Recording, prior: Policy | undefined): CoverageItems {
  return addedTo(run, prior === undefined ? undefined : policyPrior(prior), networkItems(run.network));
}

/** addedBy against a PriorProfile: a built Policy (policyPrior) or the runs so far folded in (IncrementalPrior). */
export function addedTo(run: CurveRun, prior: PriorProfile | undefined, runNetwork: readonly string[]): CoverageItems {
  const syscalls = ABIS.flatMap((abi) =>
    Object.keys(run.syscalls[abi] ?? {})
      .filter((name) => prior?.syscall(abi, name) === undefined)
      .map((name) => syscallItem(abi, name)),
  );
  const files: string[] = [];
  for (const [path, accesses] of observedFiles(run)) {
    const missing = prior === undefined ? [...accesses] : [...accesses].filter((a) => !prior.allows(path, a));
    if (missing.length > 0) files.push(fileItem(path, missing));
  }
  const items: CoverageItems = {
    syscalls,
    arguments: addedArguments(run, prior === undefined ? undefined : (abi, name) => prior.syscall(abi, name)),
    files,
    executables: run.executables.map((e) => e.path).filter((p) => prior?.executables.has(p) !== true),
    capabilities: run.identity.capabilities.map((c) => c.name).filter((c) => prior?.capabilities.has(c) !== true),
    network: runNetwork.filter((n) => prior?.network.has(n) !== true),
  };
  for (const k of Object.keys(items) as CoverageKind[]) items[k] = [...new Set(items[k])].sort(byCodeUnit);
  return items;
}

/**
 * The learning curve: for each run (plain recordings, in order), what it added to the profile of the runs before it.
 * The first run adds everything it did.
 */
export function learningCurve(runs: readonly Recording[], opts: { dirThreshold?: number } = {}): CoverageItems[] {
  // The profile of the runs before each run is folded in one run at a time (IncrementalPrior answers as buildPolicy
  // over those runs would), so the curve costs one pass over the runs, not one profile per run.
  const prior = new IncrementalPrior(opts.dirThreshold === undefined ? {} : { dirThreshold: opts.dirThreshold });
  return runs.map((run, i) => {
    const network = networkItems(run.network);
    const added = addedTo(run, i === 0 ? undefined : prior, network);
    prior.add(run, network);
    return added;
  });
}

/** Whether a run added anything. */
export function addedAnything(items: CoverageItems): boolean {
  return Object.values(items).some((list) => list.length > 0);
}

/** K checked: a positive integer. */
export function checkWindow(window: number): number {
  if (!Number.isInteger(window) || window < 1)
    throw badInput(
      `the number of last runs that must add nothing (${JSON.stringify(window)}) must be a positive integer`,
    );
  return window;
}

/**
 * Converged when the last `window` runs added nothing; at least `window + 1` runs are needed to judge (the last K
 * must be compared with at least one run before them), fewer give "undecided".
 */
export function convergenceVerdict(
  runs: ReadonlyArray<{ name: string; added: CoverageItems }>,
  window: number,
): ConvergenceVerdict {
  checkWindow(window);
  const n = runs.length;
  if (n < window + 1) return { state: 'undecided', window, runs: n, needed: window + 1 };
  const adding = runs
    .map((r, i) => ({ run: i + 1, name: r.name, added: addedAnything(r.added) }))
    .slice(n - window)
    .filter((r) => r.added)
    .map(({ run, name }) => ({ run, name }));
  return adding.length === 0
    ? { state: 'converged', window, runs: n }
    : { state: 'not-converged', window, runs: n, adding };
}
