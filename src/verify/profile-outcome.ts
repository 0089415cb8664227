// What a profile as written does with one syscall on one ABI: the answer verify prints next to each denial.
import type { Abi } from '../recording/types.js';
import { errnoName } from './audit-arch.js';
import {
  DENYING_ACTIONS,
  hasArgs,
  isDeliberate,
  type SeccompProfile,
  type SeccompRule,
} from '../model/seccomp-profile.js';

/** allow / log: the call works; deny; conditional: it depends on the arguments; deliberate: a kept ENOSYS rule; arch: ABI not in the profile. */
export type OutcomeKind = 'allow' | 'log' | 'deny' | 'conditional' | 'deliberate' | 'arch' | 'other';

/** The kind and a readable action. */
export interface Outcome {
  kind: OutcomeKind;
  text: string;
}

/** The libseccomp architecture token of an ABI. */
export const SCMP_ARCH: Readonly<Record<Abi, string>> = {
  x86_64: 'SCMP_ARCH_X86_64',
  i386: 'SCMP_ARCH_X86',
  x32: 'SCMP_ARCH_X32',
};

/** "SCMP_ACT_ERRNO(EPERM)"; runtimes use EPERM when no errno is given. */
export function actionText(action: string, errnoRet: number | undefined): string {
  if (action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') return `${action}(${errnoName(errnoRet ?? 1)})`;
  return action;
}

function kindOf(action: string): OutcomeKind {
  if (action === 'SCMP_ACT_ALLOW') return 'allow';
  if (action === 'SCMP_ACT_LOG') return 'log';
  return DENYING_ACTIONS.has(action) ? 'deny' : 'other';
}

/** The outcome of `name` on `abi` under `profile` (a rule without arguments decides; rules with arguments make it conditional). */
export function outcomeOf(profile: SeccompProfile, name: string, abi: Abi): Outcome {
  const arches = profile.architectures && profile.architectures.length > 0 ? profile.architectures : [SCMP_ARCH.x86_64];
  if (!arches.includes(SCMP_ARCH[abi]))
    return { kind: 'arch', text: `architecture ${SCMP_ARCH[abi]} is not in the profile` };
  const rules = (profile.syscalls ?? []).filter((r: SeccompRule) => r.names.includes(name));
  const plain = rules.find((r) => !hasArgs(r));
  if (plain) {
    return isDeliberate(plain)
      ? { kind: 'deliberate', text: actionText(plain.action, plain.errnoRet) }
      : { kind: kindOf(plain.action), text: actionText(plain.action, plain.errnoRet) };
  }
  const fallback = actionText(profile.defaultAction, profile.defaultErrnoRet);
  if (rules.length > 0) {
    const conditional = [...new Set(rules.map((r) => actionText(r.action, r.errnoRet)))].join(', ');
    return {
      kind: 'conditional',
      text: `depends on arguments: ${conditional} for matching arguments, otherwise ${fallback}`,
    };
  }
  return { kind: kindOf(profile.defaultAction), text: fallback };
}
