// Issue 13 item 9, through bin/tracewall: check --fail-on LEVEL fails only on drift that widens the profile at or above
// LEVEL (as diff does); a profile name that is not in the directory gets the names that are.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { servePath } from '../unit/merge-helpers.js';
import { cli, NOT_BUILT, ROOT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

function write(dir: string, r: Recording): string {
  const p = path.join(dir, `${r.name}.recording.json`);
  fs.writeFileSync(p, serializeRecording(r));
  return p;
}

/** A committed profile set for `serve`, and a recording of the same app that also made `extra`. */
function drifted(extra: string): { profiles: string; rec: string } {
  const dir = scratch('drift');
  const profiles = path.join(dir, 'profiles');
  expect(cli(['check', '--profiles', profiles, '--update', write(dir, servePath())]).status).toBe(0);
  const r = servePath();
  r.syscalls.x86_64![extra] = { count: 1, failed: 0 };
  const recDir = path.join(dir, 'new');
  fs.mkdirSync(recDir);
  return { profiles, rec: write(recDir, r) };
}

describe.skipIf(NOT_BUILT)('check', () => {
  it('--fail-on high: a low-risk addition is reported but passes; a critical one fails', () => {
    const low = drifted('getpid');
    const plain = cli(['check', '--profiles', low.profiles, low.rec]);
    expect(plain.status).toBe(1);
    const r = cli(['check', '--profiles', low.profiles, '--fail-on', 'high', low.rec]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('out of date');
    expect(r.stdout).toContain('+ syscall getpid');
    expect(r.stderr).toBe(
      'tracewall: check: 1 file drifted, with no widening change at high or above (--fail-on high)\n',
    );
    const crit = drifted('ptrace');
    const f = cli(['check', '--profiles', crit.profiles, '--fail-on', 'high', crit.rec]);
    expect(f.status).toBe(1);
    expect(f.stderr).toContain('is out of date for profile serve');
    expect(cli(['check', '--profiles', crit.profiles, '--fail-on', 'bogus', crit.rec]).status).toBe(2);
  });

  it('--fail-on: a missing file always fails', () => {
    const low = drifted('getpid');
    fs.rmSync(path.join(low.profiles, 'serve.apparmor'));
    expect(cli(['check', '--profiles', low.profiles, '--fail-on', 'critical', low.rec]).status).toBe(1);
  });

  it('a profile name that is not there: lists the names that are', () => {
    const r = cli([
      'check',
      '--profiles',
      path.join(ROOT, 'profiles'),
      '--name',
      'ngnix',
      path.join(ROOT, 'examples', 'nginx.recording.json'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `tracewall: check: there is no profile ngnix in ${path.join(ROOT, 'profiles')}; it holds busybox-web, nginx: pass --name with one of them, or --update to add ngnix\n`,
    );
  });
});
