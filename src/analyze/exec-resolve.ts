// Exec rules must name what the kernel really runs: AppArmor matches exec against the resolved path of a symlink
// (/bin/sh → /bin/busybox), a script's interpreter needs exec too, and /proc/self/exe re-runs the caller's own binary.
// strace shows none of that, so after a run the tracer side resolves paths and this pure step adds what they imply.
import type { Recording } from '../recording/types.js';
import { normalizeRecording } from './../recording/normalize.js';

/** What a path resolves to, as the traced processes saw it: the final target and, for a `#!` script, its interpreter. */
export interface ExecTarget {
  resolved: string;
  interpreter?: string;
}

/** Looks up a path in the traced processes' view of the file system; undefined when it cannot be resolved any more. */
export type ExecLookup = (path: string) => ExecTarget | undefined;

const SELF_EXE = /^\/proc\/(?:self|\d+)\/exe$/;

/**
 * A copy of the recording in which every executed path's symlink target and `#!` interpreter are also executable,
 * and `/proc/self/exe` stands for the parent's binary. Adds a warning for exec paths that could not be resolved.
 */
export function resolveExecs(rec: Recording, lookup: ExecLookup): Recording {
  const files: Recording['files'] = structuredClone(rec.files);
  const warnings = [...rec.warnings];
  const grant = (p: string): void => {
    const f = files[p];
    if (!f) files[p] = { access: ['exec'] };
    else if (!f.access.includes('exec')) f.access.push('exec');
  };
  const follow = (p: string, depth: number): void => {
    const t = lookup(p);
    if (!t) {
      warnings.push(
        `exec of ${JSON.stringify(p)}: could not resolve its symlinks or interpreter after the run; AppArmor matches exec rules on the resolved path`,
      );
      return;
    }
    if (t.resolved !== p) grant(t.resolved);
    // an interpreter that is itself a script is followed once more (the kernel allows a few levels)
    if (t.interpreter && depth < 4) {
      grant(t.interpreter);
      follow(t.interpreter, depth + 1);
    }
  };
  const execPaths = Object.keys(rec.files).filter((p) => rec.files[p]!.access.includes('exec') && !SELF_EXE.test(p));
  for (const p of execPaths) follow(p, 0);
  for (const e of rec.executables) {
    if (SELF_EXE.test(e.path) && e.parent) {
      grant(e.parent);
      follow(e.parent, 0);
    }
  }
  return normalizeRecording({ ...rec, files, warnings });
}
