// A seccomp profile (Docker or plain OCI format, or an OCI config.json's linux.seccomp) reduced to what an x86_64 host
// enforces: the default action, the architectures, and per syscall name the (action, condition) pairs of its rules.
import { badInput } from '../errors.js';
import { asObject, byCodeUnit } from '../util/json.js';
import { actionKey, appliesOnX86, ruleViews, type RuleFilter } from '../validate/seccomp-rules.js';

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
export interface SeccompModel {
  defaultAction: string;
  /** SCMP_ARCH_* names the filter covers on an x86_64 host, sorted. */
  architectures: string[];
  /** Whether the profile listed no architecture, so only the native one (x86_64) is covered. */
  nativeOnly: boolean;
  /** Syscall name to the entries of the rules that name it (rules that do not apply on x86_64 left out). */
  rules: Map<string, SeccompEntry[]>;
}

/** The native architecture tracewall diffs for, and Docker's archMap key for it. */
export const NATIVE_ARCH = 'SCMP_ARCH_X86_64';

const OPS: Readonly<Record<string, string>> = {
  SCMP_CMP_EQ: '==',
  SCMP_CMP_NE: '!=',
  SCMP_CMP_LT: '<',
  SCMP_CMP_LE: '<=',
  SCMP_CMP_GT: '>',
  SCMP_CMP_GE: '>=',
};

/** A number as text: decimal, or hex for masks and large values. */
function num(value: unknown, hex = false): string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return JSON.stringify(value ?? null);
  return (hex && value > 9) || value >= 0x10000 ? `0x${value.toString(16)}` : String(value);
}

/** One argument filter as text: "arg0 == 39", "arg0 & 0x7e020000 == 0". */
export function argText(arg: unknown): string {
  const a = asObject(arg) ?? {};
  const index = typeof a.index === 'number' ? a.index : '?';
  const op = typeof a.op === 'string' ? a.op : '?';
  if (op === 'SCMP_CMP_MASKED_EQ') return `arg${index} & ${num(a.value, true)} == ${num(a.valueTwo ?? 0, true)}`;
  return `arg${index} ${OPS[op] ?? op} ${num(a.value)}`;
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

/** The seccomp profile object of a parsed file: the profile itself, or linux.seccomp of an OCI config.json. */
export function seccompObjectOf(value: unknown, label: string): Record<string, unknown> {
  const obj = asObject(value);
  const inConfig = asObject(asObject(obj?.linux)?.seccomp);
  const profile = obj && 'defaultAction' in obj ? obj : inConfig;
  if (!profile)
    throw badInput(
      `${label}: no seccomp profile found (expected an object with "defaultAction", or an OCI config.json with linux.seccomp)`,
    );
  if (typeof profile.defaultAction !== 'string') {
    throw badInput(
      `${label}: seccomp "defaultAction" must be a string such as "SCMP_ACT_ERRNO" (found ${JSON.stringify(profile.defaultAction ?? null)})`,
    );
  }
  if (profile.syscalls !== undefined && profile.syscalls !== null && !Array.isArray(profile.syscalls)) {
    throw badInput(
      `${label}: seccomp "syscalls" must be an array of rules (found ${JSON.stringify(profile.syscalls).slice(0, 60)})`,
    );
  }
  return profile;
}

/** Reduce a parsed seccomp file to its comparable model. */
export function seccompModel(value: unknown, label: string): SeccompModel {
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
