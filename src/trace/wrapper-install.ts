// Writing the wrapper runtime where an engine will call it: atomically, executable, and never over a file that is not
// tracewall's own wrapper.
import fs from 'node:fs';
import path from 'node:path';
import { toolMissing } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';
import { WRAPPER_MARKER, wrapperScript, type WrapperSpec } from './wrapper-runtime.js';

/**
 * Write the wrapper for `spec` at `file` (and create its sessions directory, root-only); unchanged content is left alone.
 * `text` is the script (default: the engines' wrapper for `spec`).
 */
export function installWrapper(file: string, spec: WrapperSpec): void;
export function installWrapper(file: string, spec: { sessionsDir: string }, text: string): void;
export function installWrapper(file: string, spec: { sessionsDir: string }, given?: string): void {
  const text = given ?? wrapperScript(spec as WrapperSpec);
  const abs = path.resolve(file);
  let old: string | undefined;
  try {
    old = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw toolMissing(
        `cannot read ${abs} (${code ?? String(err)}) to install tracewall's wrapper runtime there`,
        err,
      );
  }
  if (old !== undefined && old.split('\n')[1] !== WRAPPER_MARKER) {
    throw toolMissing(
      `${abs} exists and is not tracewall's wrapper runtime (no "${WRAPPER_MARKER}" line); tracewall will not write over it: point the runtime at a path of its own`,
    );
  }
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true, mode: 0o755 });
    fs.mkdirSync(spec.sessionsDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(spec.sessionsDir, 0o700);
    if (old === text) return;
    const tmp = `${abs}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      fs.writeFileSync(tmp, text, { mode: 0o755, flag: 'wx' });
      fs.chmodSync(tmp, 0o755);
      fs.renameSync(tmp, abs);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  } catch (err) {
    throw toolMissing(
      `cannot install tracewall's wrapper runtime at ${abs}: ${fsErrorText(err)} (recording an engine's container needs root)`,
      err,
    );
  }
}
