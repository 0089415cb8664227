// The one model of a seccomp profile — Docker's format and the plain OCI linux.seccomp — with a tolerant reader and the
// facts about actions and architectures that rendering, validation, diffing and verification share. Pure.
import { badInput } from '../errors.js';
import { asObject } from '../util/json.js';

/** One argument condition (OCI LinuxSeccompArg). */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** Docker-format conditions on a rule: architectures, capabilities, kernel version. */
export interface SeccompConditions {
  arches?: string[];
  caps?: string[];
  minKernel?: string;
}

/** One rule (OCI LinuxSyscall, plus Docker's comment, includes and excludes). */
export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  /** Docker format only. */
  comment?: string;
  includes?: SeccompConditions;
  excludes?: SeccompConditions;
}

/** A profile: Docker's format or plain OCI. Members tracewall does not touch are carried through. */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  /** Docker format only: native architectures and their sub-architectures. */
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  flags?: string[];
  listenerPath?: string;
  syscalls?: SeccompRule[];
  [key: string]: unknown;
}

/** The two file formats tracewall reads and writes. */
export type SeccompFormat = 'docker' | 'oci';

/** x86_64 and its 32-bit sub-architectures, listed explicitly (containerd drops Docker's archMap). */
export const SECCOMP_ARCHITECTURES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] as const;

/** The native architecture tracewall works for. */
export const NATIVE_ARCH = 'SCMP_ARCH_X86_64';

/** EPERM: what runc and crun return for an ERRNO action without errnoRet. */
export const DEFAULT_ERRNO = 1;

/** ENOSYS: the deliberate "no such call" answer (clone3) that libc falls back from. */
export const ENOSYS = 38;

/** Actions that stop a call from doing its work. TRACE without a tracer answers ENOSYS, so it denies too. */
export const DENYING_ACTIONS: ReadonlySet<string> = new Set([
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_TRACE',
]);

/** Actions that let a call run (LOG runs it and logs it). */
export const ALLOWING_ACTIONS: ReadonlySet<string> = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/** A rule that denies on purpose with ENOSYS, so that callers fall back to an older call. */
export function isDeliberate(rule: Pick<SeccompRule, 'action' | 'errnoRet'>): boolean {
  return rule.action === 'SCMP_ACT_ERRNO' && rule.errnoRet === ENOSYS;
}

/** Whether a rule has argument conditions. */
export function hasArgs(rule: { args?: unknown }): boolean {
  return Array.isArray(rule.args) && rule.args.length > 0;
}

/** A comparable key for an action and its errno (the errno matters only for ERRNO and TRACE). */
export function actionKey(action: string | undefined, errnoRet: number | undefined): string {
  if (action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') return `${action}(${errnoRet ?? DEFAULT_ERRNO})`;
  return action ?? '?';
}

/** Docker's names for the x86 family in `includes.arches` / `excludes.arches`. */
export const X86_DOCKER_ARCHES: ReadonlySet<string> = new Set(['amd64', '386', 'x86', 'x32']);

/** Docker-format include/exclude conditions of a rule, as read (never trusted). */
export interface RuleFilter {
  arches: string[];
  caps: string[];
  minKernel?: string;
}

/** One rule of `syscalls` as read from a file, with the facts the checks need. */
export interface RuleView {
  index: number;
  /** JSON pointer of the rule. */
  where: string;
  raw: Record<string, unknown>;
  names: Array<{ name: string; where: string }>;
  action?: string;
  errnoRet?: number;
  hasArgs: boolean;
  includes: RuleFilter;
  excludes: RuleFilter;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function filterOf(value: unknown): RuleFilter {
  const o = asObject(value);
  const f: RuleFilter = { arches: strings(o?.arches), caps: strings(o?.caps) };
  if (typeof o?.minKernel === 'string') f.minKernel = o.minKernel;
  return f;
}

function namesOf(raw: Record<string, unknown>, where: string): RuleView['names'] {
  const names: RuleView['names'] = [];
  if (Array.isArray(raw.names)) {
    raw.names.forEach((n, i) => {
      if (typeof n === 'string') names.push({ name: n, where: `${where}/names/${i}` });
    });
  } else if (typeof raw.name === 'string') {
    names.push({ name: raw.name, where: `${where}/name` });
  }
  return names;
}

/** The rules of a profile object as read; entries that are not objects are skipped (the schema check reports them). */
export function ruleViews(profile: Record<string, unknown>, prefix: string): RuleView[] {
  const list = Array.isArray(profile.syscalls) ? (profile.syscalls as unknown[]) : [];
  const out: RuleView[] = [];
  list.forEach((entry, index) => {
    const raw = asObject(entry);
    if (!raw) return;
    const where = `${prefix}/syscalls/${index}`;
    const view: RuleView = {
      index,
      where,
      raw,
      names: namesOf(raw, where),
      hasArgs: hasArgs(raw),
      includes: filterOf(raw.includes),
      excludes: filterOf(raw.excludes),
    };
    if (typeof raw.action === 'string') view.action = raw.action;
    if (typeof raw.errnoRet === 'number') view.errnoRet = raw.errnoRet;
    out.push(view);
  });
  return out;
}

/** Whether a Docker-format rule takes effect on an x86_64 host. */
export function appliesOnX86(rule: Pick<RuleView, 'includes' | 'excludes'>): boolean {
  if (rule.excludes.arches.includes('amd64')) return false;
  return rule.includes.arches.length === 0 || rule.includes.arches.some((a) => X86_DOCKER_ARCHES.has(a));
}

/** The seccomp profile object of a parsed file: the profile itself, or linux.seccomp of an OCI config.json. */
export function seccompObjectOf(value: unknown, label: string): SeccompProfile {
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
  return profile as SeccompProfile;
}

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

/** One argument condition as text: "arg0 == 39", "arg0 & 0x7e020000 == 0". */
export function argText(arg: unknown): string {
  const a = asObject(arg) ?? {};
  const index = typeof a.index === 'number' ? a.index : '?';
  const op = typeof a.op === 'string' ? a.op : '?';
  if (op === 'SCMP_CMP_MASKED_EQ') return `arg${index} & ${num(a.value, true)} == ${num(a.valueTwo ?? 0, true)}`;
  return `arg${index} ${OPS[op] ?? op} ${num(a.value)}`;
}
