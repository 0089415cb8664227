// The plain OCI linux.seccomp object verify works on, and the few facts about actions it needs.

/** One OCI seccomp rule. */
export interface OciSeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: unknown[];
}

/** An OCI linux.seccomp object; members tracewall does not touch are carried through. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSeccompRule[];
  [key: string]: unknown;
}

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

/** A rule that denies on purpose with ENOSYS, so that callers fall back to an older call: kept as is. */
export function isDeliberate(rule: OciSeccompRule): boolean {
  return rule.action === 'SCMP_ACT_ERRNO' && rule.errnoRet === ENOSYS;
}

/** Whether a rule has argument conditions. */
export function hasArgs(rule: OciSeccompRule): boolean {
  return Array.isArray(rule.args) && rule.args.length > 0;
}
