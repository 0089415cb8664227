// The interface both kernel-record sources share: remember where the log is, later return what was logged since.
import type { LogSourceKind } from './types.js';

/** What may be missing from the lines a cursor handed over. */
export interface Collected {
  warnings: string[];
}

/** A position in a log, opened before a run. */
export interface LogCursor {
  kind: LogSourceKind;
  path: string;
  /** Waits until the log holds everything logged before this call, handing over each line logged since the cursor was opened. */
  collect: (onLine: (line: string) => void) => Promise<Collected>;
  close: () => void;
}

/** Where records come from on this machine. */
export interface LogSource {
  kind: LogSourceKind;
  path: string;
  /** Said once per run: why this source, and its limits. */
  notes: string[];
  open: () => LogCursor;
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
