// Issue 11 (merge at scale): merge and the learning curve fold their inputs one at a time. Each fold must give what the
// whole computation gives: the merge what concatenating every input's facts and normalising gives, the curve what
// building the profile of the runs before each run (buildPolicy) and comparing gives.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRecordings, RecordingMerger } from '../../src/analyze/merge.js';
import { addedBy, addedTo, learningCurve, networkItems } from '../../src/analyze/converge.js';
import { IncrementalPrior, observedFiles, priorKeys } from '../../src/analyze/converge-prior.js';
import { PathMemo } from '../../src/analyze/generalize.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { normalizeRecording } from '../../src/recording/normalize.js';
import { provenanceOf } from '../../src/recording/provenance.js';
import { checkRecordingSchema, readRecording, serializeRecording } from '../../src/recording/io.js';
import { ABIS, type FileAccess, type Recording, type SyscallFact } from '../../src/recording/types.js';
import { batchPath, healthPath, servePath } from './merge-helpers.js';
import { makeRecording } from './render-helpers.js';
import { fileSpill } from '../../src/util/sorted-spill.js';
import { CoverageFold, coverageOf } from '../../src/analyze/coverage.js';

/** The ten real recordings the merge bench varies (bench/merge-base/, recorded with strace). */
function realRecordings(): Recording[] {
  const dir = path.join('bench', 'merge-base');
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => readRecording(path.join(dir, f)));
}

/** The merge written the simplest way: every list concatenated, the normal form sorting and uniting them. */
function mergeAllAtOnce(rs: readonly Recording[], name: string): Recording {
  const provs = rs.map(provenanceOf);
  const syscalls: Recording['syscalls'] = {};
  for (const abi of ABIS) {
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.syscalls[abi] ?? {})))];
    if (names.length === 0) continue;
    syscalls[abi] = Object.fromEntries(
      names.map((n) => {
        const facts = rs.flatMap((r) => (r.syscalls[abi]?.[n] ? [r.syscalls[abi][n]] : []));
        const fact: SyscallFact = {
          count: facts.reduce((x, f) => x + f.count, 0),
          failed: facts.reduce((x, f) => x + f.failed, 0),
        };
        const keys = [...new Set(facts.flatMap((f) => Object.keys(f.args ?? {})))].filter((k) =>
          facts.every((f) => f.args?.[k] !== undefined),
        );
        if (keys.length > 0) fact.args = Object.fromEntries(keys.map((k) => [k, facts.flatMap((f) => f.args![k]!)]));
        return [n, fact];
      }),
    );
  }
  const sources = provs.flatMap((p) => p.sources);
  const times = (k: 'startedAt' | 'endedAt') =>
    sources
      .map((s) => s[k])
      .filter(Boolean)
      .sort();
  const lost = rs.filter((r) => r.lost);
  const sum = (k: 'events' | 'processes' | 'strings' | 'paths') => lost.reduce((n, r) => n + r.lost![k], 0);
  const byRun = <T>(pick: (p: (typeof provs)[number]) => Record<string, T>) =>
    provs.reduce<Record<string, T>>((out, p) => {
      for (const [k, v] of Object.entries(pick(p))) out[k] = { ...out[k], ...v } as T;
      return out;
    }, {});
  const runLists = (pick: (p: (typeof provs)[number]) => Record<string, string[]>) =>
    provs.reduce<Record<string, string[]>>((out, p) => {
      for (const [k, v] of Object.entries(pick(p))) out[k] = [...(out[k] ?? []), ...v];
      return out;
    }, {});
  const files: Recording['files'] = {};
  for (const r of rs)
    for (const [p, f] of Object.entries(r.files)) files[p] = { access: [...(files[p]?.access ?? []), ...f.access] };
  const tags = new Set(sources.map((s) => `${s.tracer.name} ${s.tracer.version}`));
  return normalizeRecording({
    schemaVersion: 1,
    name,
    tool: { name: 'tracewall', version: 'test' },
    tracer: tags.size === 1 ? { ...sources[0]!.tracer } : { name: 'strace', version: [...tags].sort().join(', ') },
    kernel: [...new Set(sources.map((s) => s.kernel))].sort().join(', '),
    arch: 'x86_64',
    target: { kind: 'merge' },
    startedAt: times('startedAt')[0] ?? '',
    endedAt: times('endedAt').at(-1) ?? '',
    termination: { kind: 'unknown' },
    warnings: rs.flatMap((r) => (r.provenance ? r.warnings : r.warnings.map((w) => `${r.name}: ${w}`))),
    ...(lost.length > 0
      ? { lost: { events: sum('events'), processes: sum('processes'), strings: sum('strings'), paths: sum('paths') } }
      : {}),
    syscalls,
    files,
    executables: rs.flatMap((r) => r.executables),
    network: {
      sockets: rs.flatMap((r) => r.network.sockets),
      bind: rs.flatMap((r) => r.network.bind),
      connect: rs.flatMap((r) => r.network.connect),
      listen: rs.flatMap((r) => r.network.listen),
    },
    identity: {
      uids: rs.flatMap((r) => r.identity.uids),
      gids: rs.flatMap((r) => r.identity.gids),
      changes: rs.flatMap((r) => r.identity.changes),
      capabilities: rs.flatMap((r) => r.identity.capabilities),
    },
    provenance: {
      sources,
      syscalls: Object.fromEntries(
        ABIS.flatMap((abi) => {
          const m = byRun((p) => p.syscalls[abi] ?? {});
          return Object.keys(m).length > 0 ? [[abi, m]] : [];
        }),
      ),
      files: byRun((p) => p.files),
      executables: runLists((p) => p.executables),
      capabilities: runLists((p) => p.capabilities),
      network: {
        sockets: provs.flatMap((p) => p.network.sockets),
        bind: provs.flatMap((p) => p.network.bind),
        connect: provs.flatMap((p) => p.network.connect),
        listen: provs.flatMap((p) => p.network.listen),
      },
    },
  });
}

describe('merge folds one recording at a time', () => {
  it('gives the bytes of merging all at once: real recordings, argument facts, losses, warnings, capabilities', () => {
    const lossy = { ...healthPath('lossy'), lost: { events: 2, processes: 1, strings: 0, paths: 3 } };
    const inputs = [...realRecordings(), servePath(), batchPath(), lossy];
    const folded = mergeRecordings(
      inputs.map((recording) => ({ recording, label: recording.name })),
      { name: 'fleet', toolVersion: 'test' },
    );
    expect(serializeRecording(folded)).toBe(serializeRecording(mergeAllAtOnce(inputs, 'fleet')));
  });

  it('a merged input folds in as its runs: folding a merge and the rest is merging them all at once', () => {
    const [a, b, ...rest] = realRecordings();
    const ab = mergeRecordings(
      [a!, b!].map((recording) => ({ recording, label: recording.name })),
      { name: 'ab', toolVersion: 'test' },
    );
    const merger = new RecordingMerger();
    for (const recording of [ab, ...rest]) merger.add({ recording, label: recording.name });
    expect(merger.runs).toBe(10);
    expect(serializeRecording(merger.result({ name: 'fleet', toolVersion: 'test' }))).toBe(
      serializeRecording(mergeAllAtOnce([ab, ...rest], 'fleet')),
    );
  });
});

/** The pieces RecordingMerger.toWrite makes, joined, after its skeleton passed the schema. */
function written(merger: RecordingMerger, name: string): string {
  const w = merger.toWrite({ name, toolVersion: 'test' }, (skeleton) => checkRecordingSchema(skeleton, 'skeleton'));
  return [...w.pieces()].join('');
}

describe('the merged recording is written piece by piece', () => {
  // Run names that are array indices ("0", "10", "9") come first in a JavaScript object, in numeric order:
  // the pieces must put them where stableJson does.
  const odd = [
    { ...healthPath('10'), files: { '/7': { access: ['read'] }, '/etc/hosts': { access: ['read'] } } },
    { ...healthPath('9'), files: { '/10': { access: ['stat'] }, '/etc/hosts': { access: ['read', 'stat'] } } },
    healthPath('0'),
    { ...servePath('a.b_c'), warnings: ['slow "q"'], files: { '/srv/\u2028"q"\\n': { access: ['read'] } } },
    batchPath(),
  ] as Recording[];

  it.each([
    ['real recordings', () => realRecordings()],
    ['index-like run names, quotes and odd characters', () => odd],
    [
      'a merged input and the rest',
      () => {
        const [a, b, ...rest] = realRecordings();
        const ab = mergeRecordings(
          [a!, b!].map((recording) => ({ recording, label: recording.name })),
          { name: 'ab', toolVersion: 'test' },
        );
        return [ab, ...rest];
      },
    ],
  ])('gives the bytes of serializing the built result: %s', (_, inputs) => {
    const merger = new RecordingMerger();
    for (const recording of inputs()) merger.add({ recording, label: recording.name });
    const w = merger.toWrite({ name: 'fleet', toolVersion: 'test' }, () => undefined);
    expect(w.runs).toEqual(
      merger.result({ name: 'fleet', toolVersion: 'test' }).provenance!.sources.map((s) => s.name),
    );
    expect(w.files()).toBe(Object.keys(merger.result({ name: 'fleet', toolVersion: 'test' }).files).length);
    expect(written(merger, 'fleet')).toBe(serializeRecording(merger.result({ name: 'fleet', toolVersion: 'test' })));
  });

  it.each([
    [1, 16],
    [2, 16],
    [3, 16],
    [1, 2],
    [1, 3],
  ])(
    'gives the same bytes when its per-run facts are spilled to chunks every %i runs (merged %i chunks at a time)',
    (runsPerChunk, fanIn) => {
      const [a, b, ...rest] = realRecordings();
      const ab = mergeRecordings(
        [a!, b!].map((recording) => ({ recording, label: recording.name })),
        { name: 'ab', toolVersion: 'test' },
      );
      const inputs = [...odd, ab, ...rest];
      const whole = new RecordingMerger();
      for (const recording of inputs) whole.add({ recording, label: recording.name });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-test-spill-'));
      try {
        const spilled = new RecordingMerger({
          spill: fileSpill(dir, runsPerChunk, fanIn),
        });
        for (const recording of inputs) spilled.add({ recording, label: recording.name });
        expect(fs.readdirSync(dir).length).toBeGreaterThan(0);
        const w = spilled.toWrite({ name: 'fleet', toolVersion: 'test' }, () => undefined);
        const text = [...w.pieces()].join('');
        expect(text).toBe(serializeRecording(whole.result({ name: 'fleet', toolVersion: 'test' })));
        expect(w.files()).toBe(Object.keys(whole.result({ name: 'fleet', toolVersion: 'test' }).files).length);
        expect(serializeRecording(spilled.result({ name: 'fleet', toolVersion: 'test' }))).toBe(text);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses, as serializing refuses, a file no run attributes (a file with no access)', () => {
    const merger = new RecordingMerger();
    merger.add({ recording: { ...healthPath('x'), files: { '/empty': { access: [] } } }, label: 'x' });
    expect(() => serializeRecording(merger.result({ name: 'm', toolVersion: 'test' }))).toThrow(/invalid recording/);
    expect(() => written(merger, 'm')).toThrow(/invalid recording: file "\/empty" has no provenance/);
  });
});

/** A run reading (or otherwise touching) `files`, executing `execs`. */
function run(name: string, files: Record<string, FileAccess[]>, execs: string[] = []): Recording {
  return makeRecording({
    name,
    syscalls: { x86_64: { read: { count: 1, failed: 0 } } },
    files: Object.fromEntries(Object.entries(files).map(([p, access]) => [p, { access }])),
    executables: execs.map((p) => ({ path: p, argv0: path.basename(p), parent: '' })),
  });
}

const reads = (dir: string, from: number, to: number): Record<string, FileAccess[]> =>
  Object.fromEntries(Array.from({ length: to - from }, (_, i) => [`${dir}/f${from + i}`, ['read'] as FileAccess[]]));

/** The curve computed the direct way: the profile of the runs before each run built whole, then compared. */
function curveByRebuilding(runs: readonly Recording[], dirThreshold?: number) {
  return runs.map((r, i) =>
    addedBy(
      r,
      i === 0
        ? undefined
        : buildPolicy(runs.slice(0, i), {
            name: 'c',
            runtime: 'none',
            ...(dirThreshold === undefined ? {} : { dirThreshold }),
          }),
    ),
  );
}

// Runs whose profiles do not only grow: a crowded directory becomes dir/*, then an access added to one of its files
// takes that file out of the group and the rest is no longer crowded; a file a later run shows to be a directory
// takes its dir/ form and leaves its group; a random-named executable stays literal; pids and temp names
// generalise; a relative path is left out.
const tricky = [
  run('a', reads('/srv/data', 0, 9)),
  run('b', { '/srv/data/new': ['read'], '/srv/data/f0': ['read', 'write'] }),
  run('c', { '/srv/data/f1': ['write'], '/srv/data/other': ['read'] }),
  run('d', { '/srv/data/f2/inner': ['read'], '/srv/data/f2': ['stat'], '/opt/x': ['dir-list'] }),
  run('e', { '/opt/x/y': ['read'], '/opt/x': ['stat'], '/proc/4242/status': ['read'] }, ['/tmp/tmp.Ab3dE9/tool']),
  run('f', { '/proc/977/status': ['read'], '/tmp/tmp.Zz81Qq': ['read', 'write'] }, ['/tmp/tmp.Xy7kP2/tool']),
  run('g', reads('/srv/data', 3, 12), ['relative/tool']),
  run('h', Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`/srv/many/d${i}`, ['stat'] as FileAccess[]]))),
  run('i', { '/srv/many/d0/sub': ['read'] }),
  run('j', { '/srv/many/zz': ['stat'] }),
];

// Each path is kept as its accesses and its form only; its rules are made again from them when it moves (an access
// added, a path found below it). With a memo that forgets every path, they must be made again the same way; a path
// read first and executed later is split into a literal exec rule and a generalised one.
const moving = [
  run('r1', { '/tmp/tmp.Ab3dE9/tool': ['read'], '/srv/w/a': ['stat'], '/proc/77/status': ['read'] }),
  run('r2', { '/srv/w/a/b': ['read'], '/srv/w/c': ['read', 'write'] }, ['/tmp/tmp.Ab3dE9/tool']),
  run('r3', { '/tmp/tmp.Ab3dE9/tool': ['stat'], '/srv/w/a': ['dir-list'], '/proc/88/status': ['read', 'write'] }),
  run('r4', reads('/srv/w', 0, 12)),
  run('r5', { '/srv/w/f3': ['read', 'write'], '/srv/w/c/d': ['read'] }),
  run('r6', { '/srv/w/a': ['read'], '/srv/w/c': ['stat'], '/proc/88/status': ['exec'] }),
];

describe('the learning curve folds the runs into one profile', () => {
  it.each([undefined, 2, 8])('is the curve of rebuilding each prior profile (dir threshold %s)', (threshold) => {
    const runs = [...tricky, ...realRecordings(), ...tricky.map((r) => ({ ...r, name: `${r.name}2` }))];
    const opts = threshold === undefined ? {} : { dirThreshold: threshold };
    expect(learningCurve(runs, opts)).toEqual(curveByRebuilding(runs, threshold));
  });
});

describe('the coverage report folds the runs with their paths spilled', () => {
  it.each([1, 2, 5])('gives the report of the fold in memory when the paths go to chunks every %i runs', (every) => {
    const runs = [...tricky, ...realRecordings(), servePath(), batchPath(), ...moving, healthPath('0'), ...moving];
    const whole = new CoverageFold();
    runs.forEach((r) => whole.add(r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-test-spill-'));
    try {
      const spilled = new CoverageFold({
        spill: fileSpill(dir, every),
      });
      runs.forEach((r) => spilled.add(r));
      expect(fs.readdirSync(dir).length).toBeGreaterThan(0);
      const report = spilled.report({}, { last: true });
      expect(report).toEqual(whole.report());
      expect(report).toEqual(coverageOf(runs));
      // The profile of the runs is let go with the last report: no run can come after it.
      expect(() => spilled.add(servePath('late'))).toThrow(/after its last report/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the profile of the runs so far keeps each observed path as a number', () => {
  it.each([undefined, 2])('gives the curve of rebuilding each prior profile (dir threshold %s)', (threshold) => {
    const runs = [...moving, ...realRecordings(), ...moving.map((r) => ({ ...r, name: `${r.name}2` }))];
    const prior = new IncrementalPrior({
      memo: new PathMemo(1),
      ...(threshold === undefined ? {} : { dirThreshold: threshold }),
    });
    const curve = runs.map((r, i) => {
      const network = networkItems(r.network);
      const added = addedTo(r, i === 0 ? undefined : prior, network);
      prior.add(r, network);
      return added;
    });
    expect(curve).toEqual(curveByRebuilding(runs, threshold));
  });
});

/** Per run, the prior keys (priorKeys of its observed paths) that no later run brings: what may be forgotten after it. */
function lastUses(runs: readonly Recording[]): string[][] {
  const last = new Map<string, number>();
  runs.forEach((r, i) => priorKeys(observedFiles(r).keys()).forEach((k) => last.set(k, i)));
  const out: string[][] = runs.map(() => []);
  for (const [k, i] of last) out[i]!.push(k);
  return out;
}

describe('the profile of the runs so far forgets the paths no later run brings', () => {
  // A fleet's runs each bring paths of their own (pids, temporary names): forgetting them after their last run keeps the
  // profile's memory to the paths still to come, and must not change one answer, including for paths that move later
  // (an access added, a path found below one: they are brought again, so they are not forgotten before).
  it.each([undefined, 2])('gives the curve of rebuilding each prior profile (dir threshold %s)', (threshold) => {
    const runs = [...tricky, ...moving, ...realRecordings(), ...moving.map((r) => ({ ...r, name: `${r.name}2` }))];
    const opts = { memo: new PathMemo(1), ...(threshold === undefined ? {} : { dirThreshold: threshold }) };
    const forgetting = new IncrementalPrior(opts);
    const keeping = new IncrementalPrior(opts);
    const forget = lastUses(runs);
    const curve = runs.map((r, i) => {
      const network = networkItems(r.network);
      const added = addedTo(r, i === 0 ? undefined : forgetting, network);
      forgetting.add(r, network);
      keeping.add(r, network);
      forgetting.forget(forget[i]!);
      return added;
    });
    expect(curve).toEqual(curveByRebuilding(runs, threshold));
    expect(forgetting.keptPaths).toBe(0);
    expect(keeping.keptPaths).toBeGreaterThan(100);
  });

  it('keeps a path a later run brings again, with its accesses', () => {
    const prior = new IncrementalPrior({ dirThreshold: 2 });
    prior.add(run('a', { '/srv/x/f1': ['read'], '/srv/x/f2': ['read'], '/srv/x/f3': ['read'] }), []);
    expect(prior.allows('/srv/x/f9', 'read')).toBe(true);
    // f1 takes write later: until then it is kept, and moving it out of the dir/* group uncrowds the directory.
    prior.forget(['/srv/x/f2']);
    prior.add(run('b', { '/srv/x/f1': ['read', 'write'] }), []);
    expect(prior.allows('/srv/x/f9', 'read')).toBe(false);
    expect(prior.allows('/srv/x/f2', 'read')).toBe(true);
    // f1 and f3, and the directories /srv and /srv/x above them.
    expect(prior.keptPaths).toBe(4);
  });
});
