// Enforce mode: the profile as written; with crun the SECCOMP_FILTER_FLAG_LOG flag is added, which changes nothing the
// filter does but makes the kernel record every EPERM-style answer too (kills are recorded anyway).
import type { SeccompProfile } from '../model/seccomp-profile.js';

const FLAG_LOG = 'SECCOMP_FILTER_FLAG_LOG';

/** The profile to enforce, and what was done to it. */
export function toEnforceProfile(
  original: SeccompProfile,
  runtime: 'crun' | 'runc',
): { profile: SeccompProfile; changes: string[]; warnings: string[] } {
  const p = structuredClone(original);
  if (runtime === 'runc') {
    return {
      profile: p,
      changes: [],
      warnings: [
        'runc 1.1 refuses seccomp flags, so only kills are recorded: calls answered with an errno are not reported in enforce mode (use --runtime crun or --mode log)',
      ],
    };
  }
  if ((p.flags ?? []).includes(FLAG_LOG)) return { profile: p, changes: [], warnings: [] };
  p.flags = [...(p.flags ?? []), FLAG_LOG];
  return {
    profile: p,
    changes: [`flag ${FLAG_LOG} added, so that errno answers are recorded too (enforcement is unchanged)`],
    warnings: [],
  };
}
