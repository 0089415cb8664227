// Issue 12 part 1 through bin/tracewall, on real recordings (strace, a busybox shell script): the learning curve and
// the verdict of runs made in order (converge, merge, generate), and check --require-converged as the CI gate.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, NOT_BUILT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

const STRACE = spawnSync('strace', ['-f', '-o', '/dev/null', 'true']).status === 0;
const BUSYBOX = spawnSync('busybox', ['true']).status === 0;
if (!STRACE || !BUSYBOX)
  console.warn('skipped: convergence on real recordings: needs strace that can trace here, and busybox');

// plain: lists the data directory and reads f1..f9 (more than 8 files: the profile reads data/*); other: the same
// with f10 instead of f1 (matched by that glob); extra: plain, and a code path that makes and removes a directory.
const SCRIPT = `d=$1
busybox ls "$d" >/dev/null
for f in $2; do busybox cat "$d/$f" >/dev/null; done
if [ "$3" = extra ]; then busybox mkdir "$d/sub"; busybox rmdir "$d/sub"; fi
`;
const PLAIN = 'f1 f2 f3 f4 f5 f6 f7 f8 f9';
const OTHER = 'f2 f3 f4 f5 f6 f7 f8 f9 f10';

let dir = '';
let data = '';
const rec = (name: string) => path.join(dir, `${name}.json`);

function record(name: string, files: string, mode = 'plain'): void {
  const r = cli([
    'record',
    '-o',
    rec(name),
    '--name',
    name,
    '--',
    'busybox',
    'sh',
    path.join(dir, 'work.sh'),
    data,
    files,
    mode,
  ]);
  if (r.status !== 0) throw new Error(`record ${name}: ${r.stderr}`);
}

describe.skipIf(NOT_BUILT || !STRACE || !BUSYBOX)('convergence of real runs', () => {
  beforeAll(() => {
    dir = scratch('converge');
    data = path.join(dir, 'data');
    fs.mkdirSync(data);
    for (let i = 1; i <= 10; i++) fs.writeFileSync(path.join(data, `f${i}`), `${i}\n`);
    fs.writeFileSync(path.join(dir, 'work.sh'), SCRIPT);
    record('p1', PLAIN);
    record('p2', PLAIN);
    record('o3', OTHER);
    record('x4', PLAIN, 'extra');
    fs.copyFileSync(rec('p1'), rec('p1copy'));
  }, 60_000);

  it('three runs where the third only reads another file of a generalised directory: converged', () => {
    const r = cli(['converge', '--converge-runs', '2', rec('p1'), rec('p2'), rec('o3')]);
    expect(r.status, r.stderr).toBe(0);
    // o3 read f10, which p1 and p2 did not: the profile of p1 and p2 reads data/* (dir-many).
    const o3 = JSON.parse(fs.readFileSync(rec('o3'), 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(o3.files)).toContain(path.join(data, 'f10'));
    expect(r.stdout).toMatch(/ 3\. o3: needed [^\n]*; added nothing new\n/);
    expect(
      r.stdout.endsWith(
        'converged: the last 2 of 3 runs (p2, o3) added nothing to the profile of the runs before them\n',
      ),
    ).toBe(true);
  });

  it('a run that takes another code path: "not converged: run N added X"; check --require-converged exits 1, then 0', () => {
    const not = cli(['check', '--require-converged', '--converge-runs', '2', rec('p1'), rec('p2'), rec('x4')]);
    expect(not.status).toBe(1);
    expect(not.stderr).toBe(
      `tracewall: check: not converged: run 3 (x4) added syscall mkdir, syscall rmdir, file ${data}/sub/ (create, delete) (converged means the last 2 runs added nothing to the profile of the runs before them)\n`,
    );
    expect(not.stdout).toContain(`    + file ${data}/sub/ (create, delete)\n`);
    // Two more runs that take the usual path: the last two added nothing.
    const ok = cli([
      'check',
      '--require-converged',
      '--converge-runs',
      '2',
      rec('p1'),
      rec('x4'),
      rec('p2'),
      rec('o3'),
    ]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toBe(
      'tracewall: check: converged: the last 2 of 4 runs (p2, o3) added nothing to the profile of the runs before them\n',
    );
  });

  it('too few runs to judge fail the gate; the default K is 3', () => {
    const one = cli(['check', '--require-converged', rec('p1')]);
    expect(one.status).toBe(1);
    expect(one.stderr).toBe(
      'tracewall: check: convergence cannot be judged from one run: record at least 4 runs (converged means the last 3 runs added nothing to the profile of the runs before them)\n',
    );
  });

  it('merge and generate print the verdict on stderr; generate warns when not converged', () => {
    const m = cli(['merge', '--converge-runs', '2', '-o', path.join(dir, 'm.json'), rec('p1'), rec('p2'), rec('x4')]);
    expect(m.status, m.stderr).toBe(0);
    expect(m.stderr).toContain('\ntracewall: not converged: run 3 (x4) added syscall mkdir, syscall rmdir, file ');
    const g = cli(['generate', '--converge-runs', '2', '-o', path.join(dir, 'g'), rec('p1'), rec('p2'), rec('x4')]);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stderr).toContain('\ntracewall: not converged: run 3 (x4) added ');
    expect(g.stderr).toContain('\ntracewall: warning: the runs have not converged: the profile may deny');
    const one = cli(['generate', '-o', path.join(dir, 'g1'), rec('p1')]);
    expect(one.stderr).toContain('\ntracewall: convergence cannot be judged from one run: record at least 4 runs');
    expect(one.stderr).toContain('\ntracewall: warning: the runs have not converged');
    const conv = cli(['generate', '--converge-runs', '2', '-o', path.join(dir, 'g2'), rec('p1'), rec('p2'), rec('o3')]);
    expect(conv.stderr).toContain('\ntracewall: converged: the last 2 of 3 runs (p2, o3)');
    expect(conv.stderr).not.toContain('warning: the runs have not converged');
  });

  it('JSON and markdown; the same bytes twice, and for a copy of a recording', () => {
    const args = ['converge', '--format', 'json', '--converge-runs', '2'];
    const a = cli([...args, rec('p1'), rec('p2'), rec('x4')]);
    expect(a.status, a.stderr).toBe(0);
    expect(cli([...args, rec('p1'), rec('p2'), rec('x4')]).stdout).toBe(a.stdout);
    expect(cli([...args, rec('p1copy'), rec('p2'), rec('x4')]).stdout).toBe(a.stdout);
    const json = JSON.parse(a.stdout);
    expect(json.format).toBe('tracewall-coverage');
    expect(json.formatVersion).toBe(2);
    expect(json.convergence).toMatchObject({
      state: 'not-converged',
      window: 2,
      runs: 3,
      adding: [{ run: 3, name: 'x4' }],
    });
    expect(json.runs.map((r: { name: string }) => r.name)).toEqual(['p1', 'p2', 'x4']);
    expect(json.runs[2].added).toEqual({
      syscalls: ['mkdir', 'rmdir'],
      arguments: [],
      files: [`${data}/sub/ (create, delete)`],
      executables: [],
      capabilities: [],
      network: [],
    });
    expect(json.runs[1].added.files).toEqual([]);
    const md = cli([
      'check',
      '--require-converged',
      '--converge-runs',
      '2',
      '--report',
      'markdown',
      rec('p1'),
      rec('p2'),
      rec('x4'),
    ]);
    expect(md.status).toBe(1);
    expect(md.stdout).toContain(
      '### tracewall convergence: 3 runs, in the order given\n\n**not converged**: run 3 (x4) added',
    );
    expect(md.stdout).toContain('| 3 | `x4` |');
    expect(md.stdout).toContain('#### run 3, `x4`, added\n\n- syscall `mkdir`\n- syscall `rmdir`\n');
  });

  it('with --profiles, check compares the profiles and requires convergence; usage errors exit 2', () => {
    const profiles = path.join(dir, 'profiles');
    const runs = [rec('p1'), rec('x4'), rec('p2'), rec('o3')];
    expect(cli(['check', '--profiles', profiles, '--update', '--name', 'work', ...runs]).status).toBe(0);
    const both = cli([
      'check',
      '--profiles',
      profiles,
      '--name',
      'work',
      '--report',
      'json',
      '--require-converged',
      '--converge-runs',
      '2',
      ...runs,
    ]);
    expect(both.status, both.stderr).toBe(0);
    const report = JSON.parse(both.stdout);
    expect(report.status).toBe('ok');
    expect(report.convergence.convergence.state).toBe('converged');
    const none = cli(['check', rec('p1')]);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(
      'tracewall: check needs --profiles DIR (the committed profiles to compare with), or --require-converged\n',
    );
    const bad = cli(['check', '--require-converged', '--converge-runs', '0', rec('p1')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('tracewall: --converge-runs "0" is not valid; expected a positive integer\n');
  });
});
