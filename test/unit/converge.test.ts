// Issue 12 part 1: what each run adds to the profile of the runs before it (on the generalised profile, argument
// values included), the convergence verdict, and its text, markdown and JSON forms.
import { describe, expect, it } from 'vitest';
import { addedBy, convergenceVerdict, learningCurve } from '../../src/analyze/converge.js';
import { addedArgumentItems } from '../../src/analyze/converge-args.js';
import { coverageOf, type CoverageItems } from '../../src/analyze/coverage.js';
import { formatConvergenceText, formatCoverageJson, verdictText } from '../../src/analyze/coverage-format.js';
import { formatCoverageMarkdown } from '../../src/analyze/coverage-markdown.js';
import { patternMatchesPath } from '../../src/analyze/pattern.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import type { FileAccess, Recording } from '../../src/recording/types.js';
import { batchPath, healthPath, servePath } from './merge-helpers.js';
import { expectGolden, makeRecording } from './render-helpers.js';

const TEST_FILE = 'test/unit/converge.test.ts';

/** A run that reads `files` and makes `syscalls` (with argument facts). */
function run(
  name: string,
  files: string[],
  syscalls: Record<string, Record<string, string[]> | undefined> = {},
  access: FileAccess = 'read',
): Recording {
  const calls = Object.fromEntries(
    Object.entries({ read: undefined, openat: undefined, ...syscalls }).map(([n, args]) => [
      n,
      { count: 1, failed: 0, ...(args ? { args } : {}) },
    ]),
  );
  return makeRecording({
    name,
    syscalls: { x86_64: calls },
    files: Object.fromEntries(files.map((f) => [f, { access: [access] }])),
  });
}

const policyOf = (runs: Recording[]) => buildPolicy(runs, { name: 'p', runtime: 'none' });
const none: CoverageItems = { syscalls: [], arguments: [], files: [], executables: [], capabilities: [], network: [] };
const names = (n: number, dir = '/srv/data') => Array.from({ length: n }, (_, i) => `${dir}/f${i + 1}`);

describe('what a run adds, on the generalised profile', () => {
  it('a file matched by a glob the earlier runs produced adds nothing', () => {
    // Nine files in one directory become /srv/data/* (more than 8, the dir-many step).
    const prior = policyOf([run('a', names(9))]);
    expect(prior.files.map((f) => f.generalized?.step)).toContain('dir-many');
    expect(addedBy(run('b', ['/srv/data/other']), prior)).toEqual(none);
    // The glob grants read only: a write is new, and so is a file in another directory.
    expect(addedBy(run('c', ['/srv/data/other'], {}, 'write'), prior).files).toEqual(['/srv/data/other (write)']);
    expect(addedBy(run('d', ['/srv/data/sub/x']), prior).files).toEqual(['/srv/data/sub/x (read)']);
  });

  it('files the earlier profile lacked are added even when the final profile covers them with a glob', () => {
    const runs = [run('a', names(5)), run('b', names(10).slice(5))];
    // Merged, the ten files are one rule /srv/data/*; but the profile of run a alone would deny run b's five.
    expect(policyOf(runs).files).toHaveLength(1);
    const curve = learningCurve(runs);
    expect(curve[1]!.files).toEqual(
      names(10)
        .slice(5)
        .map((f) => `${f} (read)`)
        .sort(),
    );
  });

  it('process ids and temporary names generalised in the earlier profile add nothing', () => {
    const prior = policyOf([run('a', ['/proc/41/status', '/tmp/tmp.Ab3dE9'])]);
    expect(addedBy(run('b', ['/proc/977/status', '/tmp/tmp.Zz81Qq']), prior)).toEqual(none);
  });

  it('syscalls by ABI, executables, capabilities and network facts', () => {
    const prior = policyOf([servePath()]);
    const added = addedBy(batchPath(), prior);
    expect(added.syscalls).toEqual(['connect', 'mkdir', 'socketcall (i386)', 'write']);
    expect(added.network).toEqual(['connect AF_UNIX /run/db.sock', 'socket AF_UNIX SOCK_STREAM 0']);
    expect(addedBy(servePath('again'), prior)).toEqual(none);
    expect(addedBy(servePath('first'), undefined).capabilities).toEqual(['CAP_NET_BIND_SERVICE']);
  });
});

describe('argument values that change the seccomp profile', () => {
  const prior = policyOf([run('a', [], { socket: { domain: ['AF_INET'] }, clone: { flags: ['CLONE_VM|SIGCHLD'] } })]);

  it('a new address family is added; the same family under another name is not', () => {
    const b = run('b', [], { socket: { domain: ['AF_INET', 'AF_NETLINK', '2'] } });
    expect(addedArgumentItems(b, prior)).toEqual(['socket domain AF_NETLINK']);
  });

  it('clone flags add something only when they create a namespace the narrowed rule forbids', () => {
    expect(addedArgumentItems(run('b', [], { clone: { flags: ['CLONE_FILES|SIGCHLD'] } }), prior)).toEqual([]);
    expect(addedArgumentItems(run('c', [], { clone: { flags: ['CLONE_NEWNS|SIGCHLD'] } }), prior)).toEqual([
      'clone flags CLONE_NEWNS|SIGCHLD',
    ]);
  });

  it('an unrecorded value widens a narrowed rule; a rule that allows every value takes anything', () => {
    expect(addedArgumentItems(run('b', [], { socket: undefined }), prior)).toEqual([
      'socket domain (not recorded: any value)',
    ]);
    const open = policyOf([run('a', [], { socket: undefined })]);
    expect(addedArgumentItems(run('b', [], { socket: { domain: ['AF_PACKET'] } }), open)).toEqual([]);
  });

  it('a syscall new to the profile brings its values', () => {
    expect(addedArgumentItems(run('b', [], { personality: { persona: ['PER_LINUX'] } }), prior)).toEqual([
      'personality persona PER_LINUX',
    ]);
  });
});

describe('the verdict', () => {
  const plain = (name: string) => run(name, ['/etc/hosts']);
  const extra = (name: string) => run(name, ['/etc/hosts', '/etc/extra'], { fork: undefined });

  it('converged when the last K runs added nothing', () => {
    const r = coverageOf([plain('r1'), extra('r2'), plain('r3'), plain('r4')], { convergeRuns: 2 });
    expect(r.convergence).toEqual({ state: 'converged', window: 2, runs: 4 });
    expect(verdictText(r)).toBe(
      'converged: the last 2 of 4 runs (r3, r4) added nothing to the profile of the runs before them',
    );
  });

  it('not converged names the runs of the last K that added, and what', () => {
    const r = coverageOf([plain('r1'), plain('r2'), plain('r3'), extra('r4')]);
    expect(r.convergence).toEqual({ state: 'not-converged', window: 3, runs: 4, adding: [{ run: 4, name: 'r4' }] });
    expect(verdictText(r)).toBe(
      'not converged: run 4 (r4) added syscall fork, file /etc/extra (read) (converged means the last 3 runs added nothing to the profile of the runs before them)',
    );
  });

  it('needs K+1 runs: one run, or K runs, cannot be judged', () => {
    expect(verdictText(coverageOf([plain('r1')]))).toBe(
      'convergence cannot be judged from one run: record at least 4 runs (converged means the last 3 runs added nothing to the profile of the runs before them)',
    );
    expect(coverageOf([plain('r1'), plain('r2')], { convergeRuns: 2 }).convergence).toEqual({
      state: 'undecided',
      window: 2,
      runs: 2,
      needed: 3,
    });
    expect(verdictText(coverageOf([plain('r1'), plain('r2')], { convergeRuns: 1 }))).toBe(
      'converged: the last run (r2) added nothing to the profile of the runs before it',
    );
  });

  it('a long list is cut after 8 items', () => {
    const many = run('r2', names(12, '/etc'));
    const r = coverageOf([plain('r1'), many], { convergeRuns: 1 });
    expect(verdictText(r)).toMatch(
      /^not converged: run 2 \(r2\) added file \/etc\/f1 \(read\), file \/etc\/f10 \(read\), /,
    );
    expect(verdictText(r)).toMatch(/, file \/etc\/f5 \(read\) and 4 more \(converged means/);
  });

  it('K must be a positive integer', () => {
    expect(() => convergenceVerdict([], 0)).toThrow(/must be a positive integer/);
  });
});

describe('the learning curve as a document', () => {
  const runs = () => [servePath(), batchPath(), healthPath(), healthPath('health2')];

  it('text, markdown and JSON goldens, the same bytes every time', () => {
    const r = coverageOf(runs(), { convergeRuns: 2 });
    expect(formatConvergenceText(coverageOf(runs(), { convergeRuns: 2 }))).toBe(formatConvergenceText(r));
    expectGolden('converge/converged.txt', formatConvergenceText(r), TEST_FILE);
    expectGolden('converge/converged.md', formatCoverageMarkdown(r), TEST_FILE);
    expectGolden('converge/converged.json', formatCoverageJson(r), TEST_FILE);
    const not = coverageOf([servePath(), healthPath(), batchPath()], { convergeRuns: 2 });
    expectGolden('converge/not-converged.md', formatCoverageMarkdown(not), TEST_FILE);
    expectGolden('converge/not-converged.json', formatCoverageJson(not), TEST_FILE);
  });

  it('the order of the runs matters; a copy of a run under another name gives the same curve', () => {
    const a = coverageOf(runs(), { convergeRuns: 2 });
    const b = coverageOf([batchPath(), servePath(), healthPath(), healthPath('health2')], { convergeRuns: 2 });
    expect(b.runs[1]!.added.syscalls).toContain('accept4');
    expect(a.runs[1]!.added.syscalls).not.toContain('accept4');
    const copy = coverageOf([servePath(), batchPath(), healthPath(), healthPath()], { convergeRuns: 2 });
    expect(copy.runs.map((x) => x.added)).toEqual(a.runs.map((x) => x.added));
  });

  it('hostile names are escaped in markdown', () => {
    const r = coverageOf([run('r1', ['/x']), run('r2', ['/x', '/a|b`c'])], { convergeRuns: 1 });
    const md = formatCoverageMarkdown(r);
    expect(md).toContain('- file ``/a\\|b`c (read)``');
    // Control and bidi characters in a path the workload chose are shown escaped in text, markdown and the verdict.
    const ctl = coverageOf([run('r1', ['/x']), run('r2', ['/x', '/evil\u001b[2J\u202e'])], { convergeRuns: 1 });
    for (const out of [formatConvergenceText(ctl), formatCoverageMarkdown(ctl), verdictText(ctl)]) {
      expect(out).not.toMatch(/[\u001b\u202e]/);
    }
  });
});

describe('pattern matching', () => {
  it('globs as AppArmor reads them', () => {
    expect(patternMatchesPath([{ lit: '/a/' }, { glob: '*' }], '/a/b')).toBe(true);
    expect(patternMatchesPath([{ lit: '/a/' }, { glob: '*' }], '/a/b/c')).toBe(false);
    expect(patternMatchesPath([{ lit: '/a/' }, { glob: '**' }], '/a/b/c')).toBe(true);
    // A whole-component * or ** needs at least one character; inside a name it may match none.
    expect(patternMatchesPath([{ lit: '/a/' }, { glob: '*' }], '/a/')).toBe(false);
    expect(patternMatchesPath([{ lit: '/a/' }, { glob: '**' }], '/a/')).toBe(false);
    expect(patternMatchesPath([{ lit: '/a/tmp.' }, { glob: '*' }], '/a/tmp.')).toBe(true);
    expect(patternMatchesPath([{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/stat' }], '/proc/12/stat')).toBe(true);
    expect(patternMatchesPath([{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/stat' }], '/proc/self/stat')).toBe(
      false,
    );
    expect(patternMatchesPath([{ lit: '/a.b/' }, { glob: '?' }], '/axb/c')).toBe(false);
  });
});
