// Argument values that change a profile: the syscalls whose seccomp rule is narrowed by one argument (socket by
// address family, clone by namespace flags, personality by value; render/seccomp.ts), and whether an earlier
// profile's rule already allows a value a later run used.
import type { Abi, Recording } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { addressFamilyValue, cloneCreatesNamespace, personalityValue } from '../render/seccomp-args.js';
import { byCodeUnit } from '../util/json.js';
import type { PriorProfile } from './converge-prior.js';

/** The argument each narrowed syscall's seccomp rule compares, by syscall name. */
export const NARROWED_ARGUMENTS: Readonly<Record<string, string>> = {
  socket: 'domain',
  clone: 'flags',
  personality: 'persona',
};

/** Shown for a call whose narrowed argument was not recorded: the rule then allows every value. */
export const NOT_RECORDED = '(not recorded: any value)';

/** The values of a syscall's narrowed argument over every ABI, or undefined when one ABI's rule or fact lacks them. */
function valuesOver(
  byAbi: ReadonlyArray<{ args?: Record<string, string[]> } | undefined>,
  key: string,
): string[] | undefined {
  const present = byAbi.filter((x) => x !== undefined);
  if (present.some((x) => x.args?.[key] === undefined)) return undefined;
  return [...new Set(present.flatMap((x) => x.args![key]!))].sort(byCodeUnit);
}

/** A predicate "this value is allowed" for a rule restricted to `values`, or undefined when the rule allows all. */
function restriction(name: string, values: readonly string[] | undefined): ((v: string) => boolean) | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (name === 'clone') {
    const verdicts = values.map(cloneCreatesNamespace);
    if (verdicts.some((v) => v !== false)) return undefined;
    return (v) => cloneCreatesNamespace(v) === false;
  }
  const numeric = name === 'socket' ? addressFamilyValue : personalityValue;
  const allowed = values.map(numeric);
  if (allowed.some((v) => v === undefined)) return undefined;
  const set = new Set(allowed);
  return (v) => {
    const n = numeric(v);
    return n !== undefined && set.has(n);
  };
}

function inAbis<T>(get: (abi: Abi) => T | undefined): Array<T | undefined> {
  return ABIS.map(get);
}

/** "socket domain AF_INET" items: the values of narrowed arguments a run used, one item per value. */
export function argumentItems(run: Recording): string[] {
  const out: string[] = [];
  for (const [name, key] of Object.entries(NARROWED_ARGUMENTS)) {
    const facts = inAbis((abi) => run.syscalls[abi]?.[name]);
    if (facts.every((f) => f === undefined)) continue;
    const values = valuesOver(facts, key);
    for (const v of values ?? [NOT_RECORDED]) out.push(`${name} ${key} ${v}`);
  }
  return out.sort(byCodeUnit);
}

/**
 * The argument values a run used that `prior` (the profile of the runs before it; undefined for none) does not allow:
 * every value of a syscall the prior profile lacks, and a value outside a narrowed rule's values.
 */
export function addedArgumentItems(
  run: Recording,
  prior: { syscalls: Partial<Record<Abi, Record<string, { args?: Record<string, string[]> }>>> } | undefined,
): string[] {
  return addedArguments(run, prior === undefined ? undefined : (abi, name) => prior.syscalls[abi]?.[name]);
}

/** addedArgumentItems with the prior profile's syscall rules looked up by `rule` (PriorProfile.syscall). */
export function addedArguments(run: Pick<Recording, 'syscalls'>, rule: PriorProfile['syscall'] | undefined): string[] {
  const out: string[] = [];
  for (const [name, key] of Object.entries(NARROWED_ARGUMENTS)) {
    const facts = inAbis((abi) => run.syscalls[abi]?.[name]);
    if (facts.every((f) => f === undefined)) continue;
    const values = valuesOver(facts, key);
    const rules = inAbis((abi) => rule?.(abi, name));
    if (rules.every((r) => r === undefined)) {
      for (const v of values ?? [NOT_RECORDED]) out.push(`${name} ${key} ${v}`);
      continue;
    }
    const allows = restriction(name, valuesOver(rules, key));
    if (allows === undefined) continue;
    if (values === undefined) out.push(`${name} ${key} ${NOT_RECORDED}`);
    else for (const v of values) if (!allows(v)) out.push(`${name} ${key} ${v}`);
  }
  return out.sort(byCodeUnit);
}

/**
 * The syscalls with narrowed arguments that several runs of a merged recording made: a merge keeps their values merged,
 * so which run used which value (and whether a later run added one) is not known. Empty for a plain recording.
 */
export function mergedArgumentCalls(r: Recording): string[] {
  const p = r.provenance;
  if (!p) return [];
  const out = new Set<string>();
  for (const abi of ABIS) {
    for (const [name, key] of Object.entries(NARROWED_ARGUMENTS)) {
      const byRun = p.syscalls[abi]?.[name];
      if (byRun && Object.keys(byRun).length > 1 && r.syscalls[abi]?.[name]?.args?.[key] !== undefined) out.add(name);
    }
  }
  return [...out].sort(byCodeUnit);
}
