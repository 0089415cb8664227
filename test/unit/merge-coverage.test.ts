import { describe, expect, it } from 'vitest';
import { coverageOf } from '../../src/analyze/coverage.js';
import { formatCoverageJson, formatCoverageText } from '../../src/analyze/coverage-format.js';
import { mergeRecordings } from '../../src/analyze/merge.js';
import { batchPath, healthPath, servePath } from './merge-helpers.js';

describe('coverage of several runs', () => {
  const report = coverageOf([servePath(), batchPath(), healthPath()]);

  it('lists the runs in input order with what each needed', () => {
    expect(report.runs.map((r) => r.name)).toEqual(['serve', 'batch', 'health']);
    expect(report.runs[0]!.needed).toEqual({
      syscalls: 6,
      arguments: 1,
      files: 3,
      executables: 1,
      capabilities: 1,
      network: 3,
    });
    expect(report.runs[2]!.needed).toEqual({
      syscalls: 2,
      arguments: 0,
      files: 1,
      executables: 0,
      capabilities: 0,
      network: 0,
    });
  });

  it('says what each run added to the profile of the earlier ones, down to a new access on a known file', () => {
    expect(report.runs[1]!.added).toEqual({
      syscalls: ['connect', 'mkdir', 'socketcall (i386)', 'write'],
      arguments: ['socket domain AF_UNIX'],
      files: ['/etc/hosts (lock)', '/srv/out (create)', '/srv/out/report.csv (write, create)'],
      executables: [],
      capabilities: [],
      network: ['connect AF_UNIX /run/db.sock', 'socket AF_UNIX SOCK_STREAM 0'],
    });
    expect(report.runs[2]!.added).toEqual({
      syscalls: [],
      arguments: [],
      files: [],
      executables: [],
      capabilities: [],
      network: [],
    });
  });

  it('lists the rules only one run needed, per run', () => {
    expect(report.onlyOne.map((o) => o.name)).toEqual(['serve', 'batch']);
    expect(report.onlyOne[0]!.items.syscalls).toEqual(['accept4', 'bind', 'rt_sigsuspend']);
    expect(report.onlyOne[0]!.items.capabilities).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(report.onlyOne[1]!.items.files).toContain('/etc/hosts (lock)');
  });

  it('is the same for a merged recording as for its runs, but for argument values (a merge keeps them merged)', () => {
    const m = mergeRecordings(
      [servePath(), batchPath(), healthPath()].map((r) => ({ recording: r, label: r.name })),
      { name: 'ci', toolVersion: '0' },
    );
    const merged = coverageOf([m]);
    const noArgs = (r: typeof report) =>
      r.runs.map((run) => ({
        ...run,
        needed: { ...run.needed, arguments: 0 },
        added: { ...run.added, arguments: [] },
      }));
    expect(noArgs(merged)).toEqual(noArgs(report));
    expect(merged.convergence).toEqual(report.convergence);
    // Each run of the merge carries the merged values: the first run that made socket "added" both families.
    expect(merged.runs[0]!.added.arguments).toEqual(['socket domain AF_INET', 'socket domain AF_UNIX']);
    // ... and the report says so.
    expect(merged.notes).toEqual([
      'ci is a merge: the argument values of socket are kept merged, not per run, so each of its runs is counted with all of them and a value only a later run used is not seen as added (give the plain recordings for the exact curve)',
    ]);
    expect(report.notes).toEqual([]);
    expect(formatCoverageText(merged)).toContain(
      '\nnote: ci is a merge: the argument values of socket are kept merged',
    );
  });

  it('prints deterministic text', () => {
    const text = formatCoverageText(report);
    expect(text).toBe(formatCoverageText(coverageOf([servePath(), batchPath(), healthPath()])));
    expect(text.split('\n').slice(0, 4)).toEqual([
      'coverage of 3 runs, in the order given:',
      '  1. serve: needed 6 syscalls, 1 argument value, 3 file rules, 1 executable, 1 capability, 3 network rules (the first run)',
      '  2. batch: needed 7 syscalls, 1 argument value, 4 file rules, 1 executable, 0 capabilities, 2 network rules; added 4 syscalls, 1 argument value, 3 files, 2 network rules:',
      '    + syscall connect',
    ]);
    expect(text).toContain('    + argument socket domain AF_UNIX\n    + file /etc/hosts (lock)\n');
    expect(text).toContain(
      '  3. health: needed 2 syscalls, 0 argument values, 1 file rule, 0 executables, 0 capabilities, 0 network rules; added nothing new\n',
    );
    expect(text).toContain('needed by only one of the 3 runs');
    expect(text).toContain('  serve: syscall rt_sigsuspend\n');
    expect(text).toContain('  batch: file /srv/out/report.csv (write, create)\n');
  });

  it('has a versioned JSON form', () => {
    const json = JSON.parse(formatCoverageJson(report));
    expect(json.format).toBe('tracewall-coverage');
    expect(json.formatVersion).toBe(2);
    expect(json.runs).toHaveLength(3);
    expect(json.convergence).toEqual({
      state: 'undecided',
      window: 3,
      runs: 3,
      needed: 4,
      verdict:
        'convergence cannot be judged from 3 runs: record at least 4 runs (converged means the last 3 runs added nothing to the profile of the runs before them)',
    });
  });

  it('has no single-run section for one run', () => {
    const one = coverageOf([servePath()]);
    expect(one.onlyOne).toEqual([]);
    expect(formatCoverageText(one)).not.toContain('only one');
  });
});
