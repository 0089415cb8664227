// Whether a run can know that nothing was denied: runc 1.1 refuses SECCOMP_FILTER_FLAG_LOG, so in enforce mode the
// kernel records its kills only, never a call answered with an errno.
import type { VerifyReport } from './types.js';

/** False when errno answers go unrecorded (enforce mode under runc): "nothing was denied" is then not knowable. */
export function errnoDenialsReported(r: Pick<VerifyReport, 'mode' | 'runtime'>): boolean {
  return !(r.mode === 'enforce' && r.runtime.name === 'runc');
}
