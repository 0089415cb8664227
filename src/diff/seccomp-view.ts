// The diff's view of a seccomp profile (read by the one model, src/model/seccomp-profile.ts) reduced to what an x86_64
// host enforces: the default action, the architectures, and per syscall name the (action, condition) pairs of its rules.
import { asObject, byCodeUnit } from '../util/json.js';
import {
  actionKey,
  appliesOnX86,
  argText,
  NATIVE_ARCH,
  ruleViews,
  seccompObjectOf,
  type RuleFilter,
} from '../model/seccomp-profile.js';

/** One rule's effect on one syscall name; empty strings mean no condition of that sort. */
export interface SeccompEntry {
  /** Action with its errno, e.g. SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(38). */
  action: string;
  /** Argument filters, canonical text joined with " && " (e.g. "arg0 & 0x7e020000 == 0"). */
  args: string;
  /** Docker capability conditions, e.g. "with CAP_SYS_ADMIN", "without CAP_SYS_ADMIN". */
  caps: string;
  /** Docker kernel conditions, e.g. "kernel >= 4.8". */
  kernel: string;
}

/** The comparable model of a seccomp profile. */
export interface SeccompView {
  defaultAction: string;
  /** SCMP_ARCH_* names the filter covers on an x86_64 host, sorted. */
  architectures: string[];
  /** Whether the profile listed no architecture, so only the native one (x86_64) is covered. */
  nativeOnly: boolean;
  /** Syscall name to the entries of the rules that name it (rules that do not apply on x86_64 left out). */
  rules: Map<string, SeccompEntry[]>;
}

function capsText(includes: RuleFilter, excludes: RuleFilter): string {
  const parts = [...includes.caps.map((c) => `with ${c}`), ...excludes.caps.map((c) => `without ${c}`)];
  return parts.sort(byCodeUnit).join(' and ');
}

function kernelText(includes: RuleFilter, excludes: RuleFilter): string {
  const parts: string[] = [];
  if (includes.minKernel) parts.push(`kernel >= ${includes.minKernel}`);
  if (excludes.minKernel) parts.push(`kernel < ${excludes.minKernel}`);
  return parts.join(' and ');
}

/** Architectures covered on an x86_64 host: `architectures`, or Docker's archMap entry for x86_64 with its sub-architectures. */
function architecturesOf(profile: Record<string, unknown>): { list: string[]; nativeOnly: boolean } {
  const set = new Set<string>();
  if (Array.isArray(profile.architectures))
    for (const a of profile.architectures) if (typeof a === 'string') set.add(a);
  if (Array.isArray(profile.archMap)) {
    for (const entry of profile.archMap) {
      const o = asObject(entry);
      if (o?.architecture !== NATIVE_ARCH) continue;
      set.add(NATIVE_ARCH);
      if (Array.isArray(o.subArchitectures)) for (const s of o.subArchitectures) if (typeof s === 'string') set.add(s);
    }
  }
  if (set.size === 0) return { list: [NATIVE_ARCH], nativeOnly: true };
  return { list: [...set].sort(byCodeUnit), nativeOnly: false };
}

/** Reduce a parsed seccomp file to its comparable model. */
export function seccompView(value: unknown, label: string): SeccompView {
  const profile = seccompObjectOf(value, label);
  const errno = typeof profile.defaultErrnoRet === 'number' ? profile.defaultErrnoRet : undefined;
  const { list, nativeOnly } = architecturesOf(profile);
  const rules = new Map<string, SeccompEntry[]>();
  for (const rule of ruleViews(profile, '')) {
    if (!appliesOnX86(rule)) continue;
    const args = (Array.isArray(rule.raw.args) ? rule.raw.args : []).map(argText).sort(byCodeUnit).join(' && ');
    const entry: SeccompEntry = {
      action: actionKey(rule.action, rule.errnoRet),
      args,
      caps: capsText(rule.includes, rule.excludes),
      kernel: kernelText(rule.includes, rule.excludes),
    };
    for (const { name } of rule.names) {
      const list = rules.get(name) ?? [];
      if (
        !list.some(
          (e) =>
            e.action === entry.action && e.args === entry.args && e.caps === entry.caps && e.kernel === entry.kernel,
        )
      )
        list.push(entry);
      rules.set(name, list);
    }
  }
  return { defaultAction: actionKey(profile.defaultAction as string, errno), architectures: list, nativeOnly, rules };
}
