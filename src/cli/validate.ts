// `tracewall validate [--strict] FILE...`: recognise each file's kind from its content and check it.
import { ExitCode } from '../errors.js';
import { validateFile, formatFindings, exitCodeFor } from '../validate/index.js';

/** Runs the verb; resolves to 2 when a file has an error, 1 with --strict when one has a warning, else 0. */
export async function validateCommand(files: string[], opts: { strict?: boolean } = {}): Promise<number> {
  const results = [];
  for (const f of files) results.push(await validateFile(f));
  process.stdout.write(formatFindings(results));
  const code = exitCodeFor(results);
  if (code !== ExitCode.ok || !opts.strict) return code;
  const warned = results.some((r) => r.findings.some((f) => f.severity === 'warning'));
  if (warned) process.stderr.write('tracewall: validate: --strict: warnings found (see above)\n');
  return warned ? ExitCode.checkFailed : ExitCode.ok;
}
