import { describe, expect, it } from 'vitest';
import { mergeRecordings, type MergeInput } from '../../src/analyze/merge.js';
import { parseRecording, serializeRecording } from '../../src/recording/io.js';
import { expandRecording } from '../../src/recording/provenance.js';
import { TracewallError } from '../../src/errors.js';
import type { Recording } from '../../src/recording/types.js';
import { loadRecording, makeRecording } from './render-helpers.js';
import { batchPath, healthPath, servePath } from './merge-helpers.js';

const opts = { name: 'app', toolVersion: '9.9.9' };
const inputs = (...rs: Recording[]): MergeInput[] => rs.map((r) => ({ recording: r, label: `${r.name}.json` }));
const merge = (...rs: Recording[]) => mergeRecordings(inputs(...rs), opts);

function refusal(f: () => unknown): TracewallError {
  try {
    f();
  } catch (err) {
    if (err instanceof TracewallError) return err;
    throw err;
  }
  throw new Error('expected a TracewallError');
}

describe('mergeRecordings: two code paths of one program', () => {
  const m = merge(servePath(), batchPath());

  it('is a valid merged recording with a merge target, unknown termination and the merging tool', () => {
    expect(() => parseRecording(JSON.parse(serializeRecording(m)), 'merged')).not.toThrow();
    expect(m.name).toBe('app');
    expect(m.target).toEqual({ kind: 'merge' });
    expect(m.termination).toEqual({ kind: 'unknown' });
    expect(m.tool).toEqual({ name: 'tracewall', version: '9.9.9' });
    expect(m.tracer).toEqual({ name: 'strace', version: '6.1' });
    expect(m.startedAt).toBe('2024-05-02T10:00:00.000Z');
    expect(m.endedAt).toBe('2024-05-02T11:00:09.000Z');
  });

  it('holds the union of the facts', () => {
    expect(Object.keys(m.syscalls.x86_64!)).toEqual([
      'accept4',
      'bind',
      'connect',
      'mkdir',
      'openat',
      'read',
      'rt_sigsuspend',
      'socket',
      'write',
    ]);
    expect(m.syscalls.x86_64!.read).toEqual({ count: 15, failed: 0 });
    expect(m.syscalls.x86_64!.openat).toEqual({ count: 10, failed: 1 });
    expect(m.syscalls.i386).toEqual({ socketcall: { count: 2, failed: 0 } });
    expect(m.files['/etc/hosts']).toEqual({ access: ['read', 'lock'] });
    expect(Object.keys(m.files)).toEqual(['/etc/hosts', '/srv/out', '/srv/out/report.csv', '/srv/www/index.html']);
    expect(m.executables).toEqual([{ path: '/usr/bin/app', argv0: 'app', parent: '' }]);
    expect(m.network.sockets.map((s) => s.family)).toEqual(['AF_INET', 'AF_UNIX']);
    expect(m.network.connect).toEqual([{ family: 'AF_UNIX', address: '/run/db.sock', port: 0 }]);
    expect(m.identity.uids).toEqual([0, 1000]);
    expect(m.identity.capabilities).toEqual([{ name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'] }]);
  });

  it('keeps an argument key only when every run that made the call knew it (as buildPolicy does)', () => {
    expect(m.syscalls.x86_64!.socket).toEqual({ count: 2, failed: 0, args: { domain: ['AF_INET', 'AF_UNIX'] } });
  });

  it("prefixes each run's warnings with its name", () => {
    expect(m.warnings).toEqual(['batch: lost 3 events']);
  });

  it('says which run needed each fact, and how often', () => {
    const p = m.provenance!;
    expect(p.sources.map((s) => [s.name, s.target])).toEqual([
      ['serve', { kind: 'command', argv: ['/usr/bin/app', 'serve'], cwd: '/srv' }],
      ['batch', { kind: 'command', argv: ['/usr/bin/app', 'batch'], cwd: '/srv' }],
    ]);
    expect(p.sources[0]).toEqual({
      name: 'serve',
      tracer: { name: 'strace', version: '6.1' },
      kernel: '6.1.0',
      target: { kind: 'command', argv: ['/usr/bin/app', 'serve'], cwd: '/srv' },
      startedAt: '2024-05-02T10:00:00.000Z',
      endedAt: '2024-05-02T10:00:05.000Z',
      termination: { kind: 'exit', code: 0 },
    });
    expect(p.syscalls.x86_64!.read).toEqual({ batch: 5, serve: 10 });
    expect(p.syscalls.x86_64!.mkdir).toEqual({ batch: 1 });
    expect(p.syscalls.i386).toEqual({ socketcall: { batch: 2 } });
    expect(p.files['/etc/hosts']).toEqual({ batch: ['read', 'lock'], serve: ['read'] });
    expect(p.files['/srv/out/report.csv']).toEqual({ batch: ['write', 'create'] });
    expect(p.executables).toEqual({ '/usr/bin/app': ['batch', 'serve'] });
    expect(p.capabilities).toEqual({ CAP_NET_BIND_SERVICE: ['serve'] });
    expect(p.network.sockets).toEqual([
      { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP', recordings: ['serve'] },
      { family: 'AF_UNIX', type: 'SOCK_STREAM', protocol: '0', recordings: ['batch'] },
    ]);
    expect(p.network.bind).toEqual([{ family: 'AF_INET', address: '0.0.0.0', port: 80, recordings: ['serve'] }]);
  });

  it('splits back into its runs with their own facts', () => {
    const { runs, warnings } = expandRecording(m);
    expect(runs.map((r) => r.name)).toEqual(['serve', 'batch']);
    expect(warnings).toEqual(['batch: lost 3 events']);
    expect(runs[0]!.syscalls.x86_64!.read!.count).toBe(10);
    expect(Object.keys(runs[1]!.syscalls.x86_64!)).not.toContain('accept4');
    expect(runs[1]!.files['/etc/hosts']).toEqual({ access: ['read', 'lock'] });
    expect(runs[0]!.identity.capabilities.map((c) => c.name)).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(runs[1]!.identity.capabilities).toEqual([]);
    expect(runs[1]!.network.connect).toEqual([{ family: 'AF_UNIX', address: '/run/db.sock', port: 0 }]);
  });
});

describe('mergeRecordings: determinism and order', () => {
  it('gives the same bytes every time', () => {
    expect(serializeRecording(merge(servePath(), batchPath()))).toBe(
      serializeRecording(merge(servePath(), batchPath())),
    );
  });

  it('reads back to the same bytes (the written form is the normal form)', () => {
    const text = serializeRecording(merge(servePath(), batchPath()));
    expect(serializeRecording(parseRecording(JSON.parse(text), 'again'))).toBe(text);
  });

  it('input order changes only the order of provenance.sources', () => {
    const ab = merge(servePath(), batchPath());
    const ba = merge(batchPath(), servePath());
    expect(ba.provenance!.sources.map((s) => s.name)).toEqual(['batch', 'serve']);
    const withoutSources = (r: Recording) =>
      serializeRecording({
        ...r,
        provenance: {
          ...r.provenance!,
          sources: [...r.provenance!.sources].sort((x, y) => (x.name < y.name ? -1 : 1)),
        },
      });
    expect(withoutSources(ba)).toBe(withoutSources(ab));
  });

  it('summarises tracers and kernels that differ, whatever the order', () => {
    const a = makeRecording({ name: 'a', kernel: '6.1.0' });
    const b = makeRecording({ name: 'b', kernel: '6.5.0', tracer: { name: 'bpftrace', version: '0.17' } });
    const c = makeRecording({ name: 'c', kernel: '6.1.0' });
    const m1 = merge(a, b, c);
    const m2 = merge(c, b, a);
    expect(m1.tracer).toEqual({ name: 'strace', version: 'bpftrace 0.17, strace 6.1' });
    expect(m1.kernel).toBe('6.1.0, 6.5.0');
    expect([m2.tracer, m2.kernel]).toEqual([m1.tracer, m1.kernel]);
  });

  it('is stable under key order inside the inputs', () => {
    const r = loadRecording('busybox-httpd');
    const shuffled = structuredClone(r);
    shuffled.name = 'other';
    shuffled.files = Object.fromEntries(Object.entries(r.files).reverse());
    shuffled.executables = [...r.executables].reverse();
    const plain = structuredClone(r);
    plain.name = 'other';
    expect(serializeRecording(merge(r, shuffled))).toBe(serializeRecording(merge(r, plain)));
  });
});

describe('mergeRecordings: merged inputs', () => {
  it('flattens: merging a merge with another run is the merge of all three runs, byte for byte', () => {
    const ab = merge(servePath(), batchPath());
    const abc = mergeRecordings(inputs(ab, healthPath()), opts);
    expect(abc.provenance!.sources.map((s) => s.name)).toEqual(['serve', 'batch', 'health']);
    expect(serializeRecording(abc)).toBe(serializeRecording(merge(servePath(), batchPath(), healthPath())));
    expect(abc.warnings).toEqual(['batch: lost 3 events']);
  });

  it('merges two merges', () => {
    const x = merge(servePath(), batchPath());
    const y = merge(
      healthPath(),
      makeRecording({ name: 'extra', syscalls: { x86_64: { getpid: { count: 1, failed: 0 } } } }),
    );
    const xy = mergeRecordings(inputs(x, y), opts);
    expect(xy.provenance!.sources.map((s) => s.name)).toEqual(['serve', 'batch', 'health', 'extra']);
    expect(xy.provenance!.syscalls.x86_64!.read).toEqual({ batch: 5, health: 2, serve: 10 });
    expect(xy.provenance!.syscalls.x86_64!.getpid).toEqual({ extra: 1 });
  });
});

describe('mergeRecordings: refusals', () => {
  it('refuses two recordings of the same name, naming both files', () => {
    const err = refusal(() =>
      mergeRecordings(
        [
          { recording: servePath('run'), label: 'one.json' },
          { recording: batchPath('run'), label: 'two.json' },
        ],
        opts,
      ),
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('"run"');
    expect(err.message).toContain('one.json and two.json');
  });

  it('refuses a run that a merged input already holds', () => {
    const m = merge(servePath(), batchPath());
    const err = refusal(() =>
      mergeRecordings(
        [
          { recording: m, label: 'm.json' },
          { recording: batchPath(), label: 'batch.json' },
        ],
        opts,
      ),
    );
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('m.json and batch.json');
  });

  it('refuses the same file given twice', () => {
    const r = servePath();
    const err = refusal(() =>
      mergeRecordings(
        [
          { recording: r, label: 'a.json' },
          { recording: r, label: 'a.json' },
        ],
        opts,
      ),
    );
    expect(err.message).toContain('a.json is given twice');
  });

  it('refuses nothing to merge', () => {
    expect(refusal(() => mergeRecordings([], opts)).exitCode).toBe(2);
  });
});

describe('provenance on reading', () => {
  const text = () => JSON.parse(serializeRecording(merge(servePath(), batchPath())));

  it('accepts plain recordings without provenance, as before', () => {
    expect(() => parseRecording(loadRecording('busybox-httpd'), 'plain')).not.toThrow();
  });

  it('refuses a fact without provenance', () => {
    const v = text();
    v.syscalls.x86_64.getpid = { count: 1, failed: 0 };
    expect(() => parseRecording(v, 'edited.json')).toThrow(
      /edited\.json: invalid recording: syscall \(x86_64\) getpid has no provenance/,
    );
  });

  it('refuses provenance naming a run that is not a source', () => {
    const v = text();
    v.provenance.capabilities.CAP_NET_BIND_SERVICE = ['ghost'];
    expect(() => parseRecording(v, 'edited.json')).toThrow(
      /names the run "ghost", which is not among provenance.sources/,
    );
  });

  it('refuses file accesses the runs do not add up to', () => {
    const v = text();
    v.provenance.files['/etc/hosts'] = { serve: ['read'] };
    expect(() => parseRecording(v, 'edited.json')).toThrow(
      /file "\/etc\/hosts": the runs' accesses \(read\) are not the recording's \(lock, read\)/,
    );
  });

  it('refuses a merge target without provenance, and provenance on a plain recording', () => {
    const v = text();
    delete v.provenance;
    expect(() => parseRecording(v, 'x')).toThrow(/must have a "provenance" section/);
    const w = text();
    w.target = { kind: 'command', argv: ['/bin/true'], cwd: '/' };
    expect(() => parseRecording(w, 'x')).toThrow(/belongs to merged recordings only/);
  });

  it('refuses a source that is itself a merge (provenance is flat)', () => {
    const v = text();
    v.provenance.sources[0].target = { kind: 'merge' };
    expect(() => parseRecording(v, 'x')).toThrow(/invalid recording/);
  });
});
