// Telling the runtime's calls from the workload's: between installing the filter and the entrypoint's execve the
// container's first process is still the runtime binary, which lies outside the container's root.
import type { Origin, SeccompRecord } from './types.js';

const RUNC_STAGE = /^runc:\[\d:[A-Z]+\]$/;

/**
 * runtime when the executable is the runtime's: audit shows a binary outside the container's root as "/" (crun, runc),
 * a runc copy in memory as /memfd:..., and the process name is the runtime's (crun, runc:[2:INIT]); app otherwise.
 */
export function originOf(record: Pick<SeccompRecord, 'comm' | 'exe'>, runtime: string): Origin {
  if (record.exe === '/' || record.exe.startsWith('/memfd:')) return 'runtime';
  if (record.comm === runtime || RUNC_STAGE.test(record.comm)) return 'runtime';
  return 'app';
}
