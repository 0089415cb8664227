import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/util/paths.js';
import { servePath, tempDir, writeRec } from './merge-helpers.js';

const BIN = fromRoot('bin', 'tracewall');
const BUILT = fs.existsSync(fromRoot('dist', 'cli', 'check.js')) && fs.existsSync(fromRoot('dist', 'cli', 'merge.js'));
if (!BUILT)
  console.log(
    'dist/ has no check/merge: the bin/tracewall test is skipped (npm test builds first; or run npx tsc -p .)',
  );

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function tracewall(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!BUILT)('bin/tracewall merge and check', () => {
  it('merges, checks (1 on drift with the diff), updates, and checks again (0)', () => {
    const rec = writeRec(dir, servePath());
    const profiles = path.join(dir, 'profiles');
    const merged = path.join(dir, 'ci.recording.json');
    expect(tracewall('merge', '-o', merged, rec).status).toBe(0);
    expect(tracewall('check', '--profiles', profiles, '--update', merged).status).toBe(0);
    expect(tracewall('check', '--profiles', profiles, merged).status).toBe(0);

    const changed = servePath();
    changed.syscalls.x86_64!.ptrace = { count: 1, failed: 0 };
    writeRec(dir, changed);
    expect(tracewall('merge', '-o', merged, rec).status).toBe(0);
    const drift = tracewall('check', '--profiles', profiles, '--report', 'markdown', merged);
    expect(drift.status).toBe(1);
    expect(drift.stdout).toContain('## tracewall check: profiles out of date');
    expect(drift.stdout).toContain('`ptrace`');
    expect(drift.stderr).toContain('run with --update');

    expect(tracewall('check', '--profiles', profiles, '--update', merged).status).toBe(0);
    expect(tracewall('check', '--profiles', profiles, merged).status).toBe(0);
  });

  it('exits 2 for a missing --profiles; two runs of one name are told apart by file', () => {
    const a = writeRec(dir, servePath('run'), 'a.json');
    const b = writeRec(dir, servePath('run'), 'b.json');
    expect(tracewall('check', a).status).toBe(2);
    const dup = tracewall('merge', '-o', path.join(dir, 'm.json'), a, b);
    expect(dup.status).toBe(0);
    expect(dup.stderr).toContain(`told apart as run.a (${a}), run.b (${b})`);
  });
});
