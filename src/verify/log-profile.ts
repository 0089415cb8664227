// Log mode: the profile with every denying action turned into SCMP_ACT_LOG, so the workload runs unbroken and the kernel
// records each call the profile would have denied. Deliberate ENOSYS answers stay, and execve is logged as a start check.
import type { KeptRule } from './types.js';
import { actionText, outcomeOf, SCMP_ARCH } from './profile-outcome.js';
import {
  DENYING_ACTIONS,
  hasArgs,
  isDeliberate,
  type SeccompProfile,
  type SeccompRule,
} from '../model/seccomp-profile.js';

/** The profile to run, and what was done to it. */
export interface LogTransform {
  profile: SeccompProfile;
  kept: KeptRule[];
  changes: string[];
  /** execve is logged, so the runtime's execve of the entrypoint proves that the container started and its records arrive. */
  sentinel: boolean;
  warnings: string[];
}

const LOG = 'SCMP_ACT_LOG';
const ALL_X86 = [SCMP_ARCH.x86_64, SCMP_ARCH.i386, SCMP_ARCH.x32];

function keptWhy(rule: SeccompRule): string {
  return rule.names.includes('clone3')
    ? 'deliberate: ENOSYS makes glibc fall back to clone; logging it instead would change what the workload does'
    : 'deliberate: ENOSYS tells the caller the call does not exist so it falls back; kept as is';
}

/** Add the start check: log execve where the profile allows it unconditionally (false when argument rules name execve). */
function logExecve(p: SeccompProfile, original: SeccompProfile): boolean {
  const outcome = outcomeOf(original, 'execve', 'x86_64');
  if (outcome.kind === 'deny' || outcome.kind === 'log') return true;
  if (outcome.kind !== 'allow' || (p.syscalls ?? []).some((r) => r.names.includes('execve') && hasArgs(r)))
    return false;
  p.syscalls = (p.syscalls ?? [])
    .map((r) =>
      !hasArgs(r) && r.action === 'SCMP_ACT_ALLOW' ? { ...r, names: r.names.filter((n) => n !== 'execve') } : r,
    )
    .filter((r) => r.names.length > 0);
  if (p.defaultAction !== LOG) p.syscalls.push({ names: ['execve'], action: LOG });
  return true;
}

/** The log-mode profile for `original` (a resolved OCI object). */
export function toLogProfile(original: SeccompProfile): LogTransform {
  const p = structuredClone(original);
  const kept: KeptRule[] = [];
  const changes: string[] = [];
  const warnings: string[] = [];
  if (DENYING_ACTIONS.has(p.defaultAction)) {
    changes.push(`default action ${actionText(p.defaultAction, p.defaultErrnoRet)} becomes ${LOG}`);
    p.defaultAction = LOG;
    delete p.defaultErrnoRet;
  }
  const rules: SeccompRule[] = [];
  for (const rule of p.syscalls ?? []) {
    if (isDeliberate(rule)) {
      kept.push({ names: [...rule.names].sort(), action: actionText(rule.action, rule.errnoRet), why: keptWhy(rule) });
      rules.push(rule);
    } else if (DENYING_ACTIONS.has(rule.action)) {
      changes.push(
        `rule ${actionText(rule.action, rule.errnoRet)} for ${rule.names.join(' ')}${hasArgs(rule) ? ' (with argument conditions)' : ''} becomes ${LOG}`,
      );
      // A rule with the default's action is redundant, and runtimes skip or refuse it.
      if (p.defaultAction !== LOG) rules.push({ ...withoutErrno(rule), action: LOG });
    } else {
      if (rule.action === 'SCMP_ACT_NOTIFY')
        warnings.push(
          `the SCMP_ACT_NOTIFY rule for ${rule.names.join(' ')} is kept; the runtime needs its listener (listenerPath)`,
        );
      rules.push(rule);
    }
  }
  p.syscalls = rules;
  const sentinel = logExecve(p, original);
  if (!sentinel)
    warnings.push(
      'execve has argument conditions or is not logged: verify cannot confirm that the container started and that its records arrived',
    );
  const arches = p.architectures && p.architectures.length > 0 ? p.architectures : [SCMP_ARCH.x86_64];
  const missing = ALL_X86.filter((a) => !arches.includes(a));
  if (missing.length > 0) {
    changes.push(`architectures ${missing.join(', ')} added, so that 32-bit calls are logged instead of killed`);
    p.architectures = [...arches, ...missing];
  }
  return { profile: p, kept, changes, sentinel, warnings };
}

function withoutErrno(rule: SeccompRule): SeccompRule {
  const out = { ...rule };
  delete out.errnoRet;
  return out;
}
