// What `record` says on stderr once a recording is written.
import type { Recording } from '../recording/types.js';
import { visible } from '../util/strings.js';

function ending(r: Recording): string {
  if (r.termination.kind === 'exit') return `exit ${r.termination.code}`;
  return r.termination.kind === 'signal' ? `killed by ${r.termination.signal}` : 'end unknown';
}

/** The lines `record` prints on stderr once a recording is written. */
export function summarize(r: Recording, file: string): string {
  const abis = Object.entries(r.syscalls).map(([abi, m]) => `${Object.keys(m ?? {}).length} ${abi} syscalls`);
  const lines = [
    `tracewall: recorded ${r.name}: ${abis.join(', ') || 'no syscalls'}, ${Object.keys(r.files).length} files, ${r.executables.length} executables, ${r.network.sockets.length} socket kinds; workload ${ending(r)}`,
    `tracewall: wrote ${file}`,
  ];
  // Warnings quote names the workload chose: control and bidi characters are shown as escapes, never sent to the terminal.
  for (const w of r.warnings.slice(0, 10)) lines.push(`tracewall: warning: ${visible(w)}`);
  if (r.warnings.length > 10)
    lines.push(`tracewall: warning: ... and ${r.warnings.length - 10} more (see the recording's "warnings")`);
  return lines.join('\n') + '\n';
}
