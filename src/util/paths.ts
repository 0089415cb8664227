// Where tracewall's own files live, whether it runs from src/ (tests) or dist/ (bin).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root: two levels above this file in both src/util and dist/util. */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A path inside the package. */
export function fromRoot(...parts: string[]): string {
  return path.join(packageRoot, ...parts);
}
