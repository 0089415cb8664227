// The README's quick start outside the checkout and its runc-spec bundle recipe, run as written (with /tmp/ moved into
// a private directory), with `tracewall` being bin/tracewall: the files land where the README says, exit codes are 0,
// and the checkout is left as it was.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { needRoot } from '../helpers/bundles.js';
import { BIN, NOT_BUILT, ROOT, scratchDirs, shq } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

/** The sh block of README.md that follows the marker comment naming this test and `what`. */
function readmeBlock(what: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- tested by test/cli/quickstart.test.ts: ${what}`);
  expect(at, `README.md has no block marked "${what}"`).toBeGreaterThan(0);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

/** Run a README block under bash -e with `tracewall` as a function, in `dir` (for /tmp/). */
function runBlock(block: string, dir: string): { status: number | null; stdout: string; stderr: string } {
  const script = [
    'set -euo pipefail',
    `tracewall() { ${shq(process.execPath)} ${shq(BIN)} "$@"; }`,
    block.replaceAll('/tmp/', `${dir}/`),
  ].join('\n');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gitStatus(): string {
  return spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' }).stdout;
}

const STRACE = spawnSync('strace', ['-f', '-o', '/dev/null', 'true']).status === 0;
if (!STRACE)
  console.warn('skipped: README quick start: strace cannot trace here (apt-get install strace; ptrace allowed)');
const noBundle = needRoot('crun', 'runc', 'jq');

describe.skipIf(NOT_BUILT || !STRACE)('README quick start', () => {
  it('records, generates and validates outside the checkout, writing where it says', () => {
    const dir = scratch('qs');
    const before = gitStatus();
    const r = runBlock(readmeBlock('it runs this block as written -->'), dir);
    expect(r.status, r.stderr).toBe(0);
    const work = path.join(dir, 'tracewall-quickstart');
    expect(fs.existsSync(path.join(work, 'hello.recording.json'))).toBe(true);
    expect(fs.readdirSync(path.join(work, 'profiles')).sort()).toEqual([
      'hello.apparmor',
      'hello.k8s.yaml',
      'hello.seccomp.json',
    ]);
    expect(r.stdout).toContain('hello\n');
    expect(r.stdout).toContain('validate: 3 files, 0 errors');
    expect(gitStatus()).toBe(before);
  });
});

describe.skipIf(NOT_BUILT || noBundle !== undefined)('README OCI bundle recipe (runc spec)', () => {
  it('makes a bundle, records it, generates and verifies the profile (exit 0)', () => {
    const dir = scratch('bundle');
    const before = gitStatus();
    const r = runBlock(readmeBlock('it runs this block as written (root'), dir);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('hello from the bundle');
    expect(r.stdout).toContain('result: the profile allows everything this run did');
    expect(fs.readdirSync(path.join(dir, 'bundled-profiles')).sort()).toEqual([
      'bundled.apparmor',
      'bundled.k8s.yaml',
      'bundled.seccomp.json',
    ]);
    expect(gitStatus()).toBe(before);
  });
});
