// `tracewall validate FILE...`: recognise each file's kind from its content and check it.
import { validateFile, formatFindings, exitCodeFor } from '../validate/index.js';

/** Runs the verb; resolves to 0 when no file has an error, else 2. */
export async function validateCommand(files: string[]): Promise<number> {
  const results = [];
  for (const f of files) results.push(await validateFile(f));
  process.stdout.write(formatFindings(results));
  return exitCodeFor(results);
}
