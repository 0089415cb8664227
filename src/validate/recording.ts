// Checking a Recording: the reader's own schema and version check, turned into findings instead of an exit.
import { TracewallError } from '../errors.js';
import { parseRecording } from '../recording/io.js';
import { finding, type Finding } from './types.js';

/** Validate a parsed recording; the recording's own warnings (truncated trace, lost events) are passed on. */
export function validateRecordingValue(value: unknown, file: string): Finding[] {
  try {
    const recording = parseRecording(value, file);
    return recording.warnings.map((w, i) => finding('warning', `recording carries a warning: ${w}`, `/warnings/${i}`));
  } catch (err) {
    if (!(err instanceof TracewallError)) throw err;
    const message = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    const at = /^invalid recording: at (\/[^:]*):/.exec(message);
    return [finding('error', message, at?.[1])];
  }
}
