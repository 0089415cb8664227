// The file rules coverage makes of a fleet's paths streamed in order (StreamedFileRules over pathFamilies) against
// generalizeFiles over all of them at once: the same rules, and each path looked up among them the same way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileAccess, Recording } from '../../src/recording/types.js';
import type { FileRule } from '../../src/analyze/policy-types.js';
import {
  generalizeFiles,
  pathFamilies,
  StreamedFileRules,
  type FileObservation,
  type RuleAccess,
  type FamilyPath,
} from '../../src/analyze/generalize.js';
import { patternText } from '../../src/analyze/pattern.js';
import { CoverageFold } from '../../src/analyze/coverage.js';
import { fileSpill } from '../../src/util/sorted-spill.js';
import { byCodeUnit, stableKeyOrder } from '../../src/util/json.js';
import { makeRecording } from './render-helpers.js';

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ACCESS_SETS: FileAccess[][] = [
  ['read'],
  ['read'],
  ['stat'],
  ['read', 'write'],
  ['write', 'create', 'delete'],
  ['dir-list'],
  ['create', 'dir-list'],
  ['exec'],
  ['read', 'mmap-exec'],
  ['read', 'exec', 'stat'],
];

/** A path like a fleet's: pids, temporary and hashed names, crowded directories, directories that are also files. */
function fleetPath(rnd: () => number, pod: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const name = (n: number) => Array.from({ length: n }, () => pick([...ALNUM])).join('');
  const pid = 1 + Math.floor(rnd() * 400);
  const hex = Array.from({ length: 32 }, () => pick([...'0123456789abcdef'])).join('');
  return pick([
    () => `/proc/${pid}/stat`,
    () => `/proc/${pid}`,
    () => `/proc/${pid}/task/${pid + 1}/comm`,
    () => `/proc/self/fd/${pid % 20}`,
    () => `/tmp/tmp.${name(6)}`,
    () => `/tmp/${name(6)}`,
    () => `/tmp/${pick(['logs', 'data'])}-${pick(['ABCDEF', name(6)])}/part-${pod % 4}`,
    () => `/tmp/${pick(['logs', 'data'])}-${pick(['ABCDEF', name(6)])}`,
    () => `/srv/data/f${Math.floor(rnd() * 14)}`,
    () => `/srv/data/f${Math.floor(rnd() * 14)}/`,
    () => `/srv/data`,
    () => `/srv/www/p${Math.floor(rnd() * 30)}.html`,
    () => `/srv/data-old/x${pod % 3}`,
    () => `/srv/data.d`,
    () => `/var/cache/app/${hex}/index`,
    () => `/var/cache/app/${hex}`,
    () => `/usr/local/bin/tool${Math.floor(rnd() * 12)}`,
    () => `/opt/tmp.${name(6)}/run`,
    () => `/etc/f${Math.floor(rnd() * 12)}`,
    () => `/run/user@${pid % 3}/bus`,
    () => `/a/b${pick(['', '/', '//', '-c', '.e', '/f', '*', '[1]', '/g/h'])}`,
    () => `/x//y${pick(['', '/'])}`,
    () => pick(['rel/x', 'rel', '12', './y']),
  ])();
}

/** An access list for `p`: any, but the same for every page of a crowded directory (which then becomes `dir/*`). */
function accessFor(p: string, rnd: () => number): FileAccess[] {
  return p.startsWith('/srv/www/') ? ['read'] : ACCESS_SETS[Math.floor(rnd() * ACCESS_SETS.length)]!;
}

/** Paths with the access lists they were observed with (1 to 3 each), sorted as a fold streams them. */
function observedPaths(seed: number, count: number): Array<[string, FileAccess[][]]> {
  const rnd = random(seed);
  const byPath = new Map<string, FileAccess[][]>();
  for (let i = 0; i < count; i++) {
    const p = fleetPath(rnd, i);
    const lists = byPath.get(p) ?? [];
    if (lists.length < 3) lists.push(accessFor(p, rnd));
    byPath.set(p, lists);
  }
  return stableKeyOrder([...byPath.keys()]).map((p) => [p, byPath.get(p)!]);
}

/** What coverage looked up before the rules were streamed: a path's rules, else its directory form's, by rule order. */
function rulesByPath(rules: readonly FileRule[]): Map<string, RuleAccess[]> {
  const m = new Map<string, RuleAccess[]>();
  for (const rule of rules) {
    const text = patternText(rule.pattern);
    for (const p of rule.generalized ? rule.generalized.from : [text])
      m.set(p, [...(m.get(p) ?? []), { text, access: rule.access }]);
  }
  return m;
}

/** A rule's text and accesses only. */
const plain = (rules: readonly RuleAccess[]): RuleAccess[] => rules.map((r) => ({ text: r.text, access: r.access }));

/** StreamedFileRules's rules and look-ups against generalizeFiles's for the same observations. */
function compare(paths: Array<[string, FileAccess[][]]>, dirThreshold: number): void {
  const obs: FileObservation[] = paths
    .filter(([p]) => p.startsWith('/'))
    .flatMap(([p, lists]) => lists.map((access) => ({ path: p, access, provenance: { recordings: [], count: 1 } })));
  const whole = generalizeFiles(obs, { dirThreshold }).rules;
  const byPath = rulesByPath(whole);
  const stream = (): Array<FamilyPath<number>> =>
    paths.map(([p, lists], i) => ({ path: p, observed: p.startsWith('/') ? lists : [], value: i, below: false }));
  const streamed = StreamedFileRules.of(pathFamilies(stream()), { dirThreshold });
  expect(plain(streamed.list())).toEqual(whole.map((r) => ({ text: patternText(r.pattern), access: r.access })));
  const looked = new Map<string, RuleAccess[]>();
  for (const family of pathFamilies(stream())) {
    const lookUps = streamed.lookUp(family);
    family.forEach((m, i) => looked.set(m.path, plain(lookUps[i]!)));
  }
  expect(looked.size).toBe(paths.length);
  for (const [p] of paths) expect([p, looked.get(p)]).toEqual([p, byPath.get(p) ?? byPath.get(`${p}/`) ?? []]);
}

describe('file rules streamed by path family', () => {
  it.each([1, 2, 3, 4, 5, 6])("are generalizeFiles's rules, each path looked up alike (seed %i)", (seed) => {
    const paths = observedPaths(seed, 400);
    for (const threshold of [8, 3, 2]) compare(paths, threshold);
    // The cases that matter are there: crowded directories merged, literal executions, a path both file and directory.
    const rules = generalizeFiles(
      paths
        .filter(([p]) => p.startsWith('/'))
        .flatMap(([p, l]) => l.map((access) => ({ path: p, access, provenance: { recordings: [], count: 1 } }))),
      { dirThreshold: 2 },
    ).rules;
    expect(rules.some((r) => r.generalized?.step.includes('dir-many'))).toBe(true);
    expect(rules.some((r) => r.generalized?.step.includes('proc-pid'))).toBe(true);
    expect(paths.some(([p]) => p === '/srv/data') && paths.some(([p]) => p.startsWith('/srv/data/'))).toBe(true);
  });

  it('gives a family once everything below it has passed, with the paths that lie below others marked', () => {
    const paths = ['/a', '/a-b', '/a-b/c', '/a.d', '/a/', '/a//', '/a/e', '/x/', '/x/y', '/z', 'rel/'];
    const families = [
      ...pathFamilies(paths.map((p) => ({ path: p, observed: [['read' as FileAccess]], value: 0, below: false }))),
    ];
    const shown = families.map((f) => f.map((m) => `${m.path}${m.below ? ' below' : ''}`));
    expect(shown).toEqual([
      ['/a-b/c'],
      ['/a-b below'],
      ['/a.d'],
      ['/a/e'],
      ['/a below', '/a/ below', '/a//'],
      ['/x/y'],
      ['/x/'],
      ['/z'],
      ['rel/'],
    ]);
    // A path nobody observed makes no directory.
    const unobserved = [
      ...pathFamilies([
        { path: '/q', observed: [['read']], value: 0, below: false },
        { path: '/q/r', observed: [], value: 0, below: false },
      ]),
    ];
    expect(unobserved.flat().find((m) => m.path === '/q')?.below).toBe(false);
  });

  it('refuses paths out of order', () => {
    const paths = ['/b', '/a'].map((p) => ({ path: p, observed: [], value: 0, below: false }));
    expect(() => [...pathFamilies(paths)]).toThrow(/expected sorted paths/);
  });
});

/** Runs of a fleet: each touches some of the fleet's paths with an access list, and executes a few. */
function fleetRuns(seed: number, count: number): Recording[] {
  const rnd = random(seed);
  return Array.from({ length: count }, (_, run) => {
    const files: Record<string, { access: FileAccess[] }> = {};
    for (let i = 0; i < 12; i++) {
      const p = fleetPath(rnd, run);
      if (p.startsWith('/')) files[p] = { access: accessFor(p, rnd) };
    }
    const executables = Object.keys(files)
      .filter((p) => p.startsWith('/') && rnd() < 0.1)
      .map((p) => ({ path: p, argv0: path.basename(p), parent: '' }));
    return makeRecording({ name: `pod-${run % 7}`, files, executables });
  });
}

/** The file part of the report as coverage computed it before streaming: generalizeFiles over every touched path. */
function fileReport(runs: readonly Recording[]): { needed: number[]; onlyOne: string[][] } {
  const touched = new Map<string, Array<[number, FileAccess[]]>>();
  runs.forEach((r, i) => {
    const access = new Map(Object.entries(r.files).map(([p, f]): [string, FileAccess[]] => [p, [...f.access]]));
    for (const e of r.executables) access.set(e.path, [...(access.get(e.path) ?? []), 'exec']);
    for (const [p, a] of access) touched.set(p, [...(touched.get(p) ?? []), [i, a]]);
  });
  const obs: FileObservation[] = [];
  for (const [p, pairs] of touched) {
    if (!p.startsWith('/')) continue;
    const plain = new Set(pairs.filter(([, a]) => !a.includes('dir-list')).flatMap(([, a]) => a));
    const listed = new Set(pairs.filter(([, a]) => a.includes('dir-list')).flatMap(([, a]) => a));
    for (const s of [plain, listed])
      if (s.size > 0) obs.push({ path: p, access: [...s], provenance: { recordings: [], count: 1 } });
  }
  const byPath = rulesByPath(generalizeFiles(obs.sort((a, b) => byCodeUnit(a.path, b.path))).rules);
  const found = new Map<string, Map<FileAccess, Set<number>>>();
  for (const [p, pairs] of touched) {
    const candidates = byPath.get(p) ?? byPath.get(`${p}/`) ?? [];
    for (const [run, accesses] of pairs)
      for (const a of accesses) {
        const rule = candidates.find((c) => c.access.includes(a))?.text ?? p;
        const byAccess = found.get(rule) ?? found.set(rule, new Map()).get(rule)!;
        byAccess.set(a, (byAccess.get(a) ?? new Set()).add(run));
      }
  }
  const needed = runs.map(() => 0);
  const onlyOne: string[][] = runs.map(() => []);
  for (const [rule, byAccess] of found) {
    for (const run of new Set([...byAccess.values()].flatMap((s) => [...s]))) needed[run]! += 1;
    const single = [...byAccess].filter(([, s]) => s.size === 1);
    for (const [, s] of single) onlyOne[[...s][0]!]!.push(rule);
  }
  return { needed, onlyOne: onlyOne.map((rules) => [...new Set(rules)].sort(byCodeUnit)) };
}

describe('coverage of a fleet with its file rules streamed', () => {
  it.each([1, 2, 3])('counts and lists the file rules the rules of all paths at once give (seed %i)', (seed) => {
    const runs = fleetRuns(seed, 150);
    const expected = fileReport(runs);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-test-streamed-'));
    try {
      const spill = fileSpill(dir, 7);
      for (const fold of [new CoverageFold(), new CoverageFold({ spill })]) {
        runs.forEach((r) => fold.add(r));
        const report = fold.report({}, { last: true });
        expect(report.runs.map((r) => r.needed.files)).toEqual(expected.needed);
        const onlyOne = new Map(report.onlyOne.map((o) => [o.name, o.items.files]));
        const names = report.runs.map((r) => r.name);
        const files = names.map((n) => (onlyOne.get(n) ?? []).map((item) => item.replace(/ \([^()]*\)$/, '')));
        expect(files).toEqual(expected.onlyOne);
        expect(expected.onlyOne.some((rules) => rules.length > 0)).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
