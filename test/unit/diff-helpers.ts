// Helpers shared by the diff unit tests.
import path from 'node:path';
import { packageRoot } from '../../src/util/paths.js';
import { diffCommand } from '../../src/cli/diff.js';
import { diffTexts } from '../../src/diff/diff.js';
import type { DiffFinding, DiffReport } from '../../src/diff/types.js';

/** A fixture of the diff tests. */
export function fixture(name: string): string {
  return path.join(packageRoot, 'test', 'fixtures', 'diff', name);
}

/** Docker's default seccomp profile, as shipped. */
export const DOCKER_DEFAULT = path.join(packageRoot, 'src', 'validate', 'schemas', 'docker-default-seccomp.json');

/** Run the verb, capturing what it writes. */
export async function run(
  oldFile: string,
  newFile: string,
  opts: { format?: string; failOn?: string; color?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await diffCommand(
    oldFile,
    newFile,
    { format: opts.format ?? 'text', color: opts.color ?? false, ...(opts.failOn ? { failOn: opts.failOn } : {}) },
    {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
    },
  );
  return { code, out, err };
}

/** Diff two texts. */
export function diff(oldText: string, newText: string, oldLabel = 'old', newLabel = 'new'): DiffReport {
  return diffTexts(oldText, oldLabel, newText, newLabel);
}

/** Findings as compact "change kind subject risk" strings. */
export function brief(findings: readonly DiffFinding[]): string[] {
  return findings.map((f) => `${f.change} ${f.kind} ${f.subject} ${f.risk}${f.widens ? ' widens' : ''}`);
}
