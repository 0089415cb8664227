// The one error type of tracewall: every failure carries an exit code and a message that says what, where and what was expected.

/** Exit codes of the command-line contract (README "The verbs"; docs/architecture.md). */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  toolMissing: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure with the exit code the CLI must use; only cli/main.ts turns it into an exit. */
export class TracewallError extends Error {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TracewallError';
    this.exitCode = exitCode;
  }
}

/** Bad input (a file, a flag value, a recording): exit 2. */
export function badInput(message: string, cause?: unknown): TracewallError {
  return new TracewallError(ExitCode.badInput, message, cause === undefined ? undefined : { cause });
}

/** A needed system tool is missing or not permitted: exit 3. */
export function toolMissing(message: string, cause?: unknown): TracewallError {
  return new TracewallError(ExitCode.toolMissing, message, cause === undefined ? undefined : { cause });
}
