import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileAccess } from '../../src/recording/types.js';
import {
  generalizeFiles,
  generalizeFilesSorted,
  normalizeSortedDirectories,
  type FileObservation,
  type ObservedPart,
} from '../../src/analyze/generalize.js';
import { patternText } from '../../src/analyze/pattern.js';
import { SortedSpill } from '../../src/util/sorted-spill.js';
import { byCodeUnit } from '../../src/util/json.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-gen-sorted-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let stores = 0;

const obs = (p: string, access: FileAccess[] = ['read'], recording = 'r'): FileObservation => ({
  path: p,
  access,
  provenance: { recordings: [recording], count: 1 },
});

/** generalizeFilesSorted's rules (spilled every `batch` shares), in generalizeFiles's order. */
function sorted(list: readonly FileObservation[], batch: number, dirThreshold?: number) {
  const input = [...list].sort((a, b) => byCodeUnit(a.path, b.path));
  const store = new SortedSpill<ObservedPart[]>(dir, `s${stores++}`);
  const opts = dirThreshold === undefined ? { batch } : { batch, dirThreshold };
  return [...generalizeFilesSorted(input, store, opts)].sort((a, b) =>
    byCodeUnit(patternText(a.pattern), patternText(b.pattern)),
  );
}

/** Observations like a fleet's: pids, temporary and hashed names, crowded directories, executables, directories. */
function fleet(): FileObservation[] {
  const out: FileObservation[] = [];
  for (let pod = 0; pod < 30; pod++) {
    const id = `${(pod * 7919).toString(36)}Xq${pod}`;
    out.push(obs(`/proc/${100 + pod}/stat`, ['read'], `p${pod}`));
    out.push(obs(`/proc/${100 + pod}/task/${200 + pod}/comm`, ['read'], `p${pod}`));
    out.push(obs(`/tmp/tmp.${id}`, ['read', 'write', 'exec'], `p${pod}`));
    out.push(obs(`/var/cache/app/${pod.toString(16).padStart(32, 'a')}/index`, ['read'], `p${pod}`));
    out.push(obs(`/srv/data/pod-${pod}`, pod % 3 === 0 ? ['read', 'write'] : ['read'], `p${pod}`));
    out.push(obs(`/srv/data/pod-${pod}.lock`, ['create'], `p${pod}`));
    out.push(obs(`/usr/local/bin/tool${pod % 12}`, ['exec'], `p${pod}`));
    out.push(obs(`/etc/f${pod}`, ['read'], `p${pod}`));
  }
  out.push(obs('/srv/data', ['create']), obs('/srv/data-old', ['read']), obs('/srv/data.d', ['dir-list']));
  out.push(obs('/srv/www', ['dir-list']), obs('/srv/www', ['read']), obs('/a/b/', ['read']), obs('/a/b', ['write']));
  out.push(obs('/a/b-c', ['read']), obs('/a/b-c/d', ['read']), obs('/a/b.e', ['read']), obs('/a/b/f/g', ['read']));
  return out;
}

describe('generalizeFilesSorted', () => {
  it("gives generalizeFiles's rules for a fleet, whatever the chunking", () => {
    const all = fleet();
    const whole = generalizeFiles(all).rules;
    expect(whole.some((r) => r.generalized?.step === 'dir-many')).toBe(true);
    expect(whole.some((r) => r.generalized?.step.includes('proc-pid'))).toBe(true);
    for (const batch of [1, 7, 1000]) expect(sorted(all, batch)).toEqual(whole);
    expect(sorted(all, 5, 3)).toEqual(generalizeFiles(all, { dirThreshold: 3 }).rules);
  });

  it('gives the dir/* merge, the literal exec and the directory cases of generalizeFiles', () => {
    const many = Array.from({ length: 9 }, (_, i) => obs(`/etc/ssl/certs/c${i}.pem`));
    const cases: FileObservation[][] = [
      [...many, obs('/etc/ssl/certs/key.pem', ['read', 'write'])],
      [obs('/tmp/tmp.93hMEG', ['read', 'write', 'exec'])],
      [obs('/srv/www', ['dir-list']), obs('/data', ['create']), obs('/data/db', ['write'])],
      [obs('/b'), obs('/a/c'), obs('/a')],
      Array.from({ length: 12 }, (_, i) => obs(`/usr/lib/x86_64-linux-gnu/lib${i}.so`, ['read', 'mmap-exec'])),
      Array.from({ length: 12 }, (_, i) => obs(`/proc/sys/net/ipv4/f${i}`)),
    ];
    for (const c of cases) expect(sorted(c, 2)).toEqual(generalizeFiles(c).rules);
  });

  it('marks as directories exactly the paths another path lies below', () => {
    const paths = ['/a', '/a-b', '/a-b/c', '/a.d', '/a/e', '/x/', '/x/y', '/z', '/z/'];
    const out = [...normalizeSortedDirectories(paths.map((p) => obs(p)))].map((o) => o.path).sort(byCodeUnit);
    expect(out).toEqual(['/a-b/', '/a-b/c', '/a.d', '/a/', '/a/e', '/x/', '/x/y', '/z/', '/z/'].sort(byCodeUnit));
  });
});
