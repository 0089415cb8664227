// The verdict of a verify run as an exit code of the command-line contract.
import { ExitCode } from '../errors.js';
import type { VerifyReport, WorkloadEnd } from './types.js';

/** Whether the workload ended badly: a non-zero status or a signal, unless tracewall stopped it on purpose. */
export function workloadFailed(w: WorkloadEnd): boolean {
  return !w.timedOut && !w.interrupted && (w.exitCode !== 0 || w.signal !== null);
}

/** 1 when anything was (or would have been) denied, or, in enforce mode, when the workload failed; 0 otherwise. */
export function verifyExitCode(report: VerifyReport): 0 | 1 {
  if (report.denials.length > 0) return ExitCode.checkFailed;
  if (report.mode === 'enforce' && workloadFailed(report.workload)) return ExitCode.checkFailed;
  return ExitCode.ok;
}
