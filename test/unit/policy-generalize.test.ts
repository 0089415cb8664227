import { describe, expect, it } from 'vitest';
import type { FileAccess } from '../../src/recording/types.js';
import { generalizeFiles, generalizePath, DEFAULT_DIR_THRESHOLD } from '../../src/analyze/generalize.js';
import { patternText } from '../../src/analyze/pattern.js';

const text = (path: string) => patternText(generalizePath(path, true).pattern);
const obs = (path: string, access: FileAccess[] = ['read'], recording = 'r') => ({
  path,
  access,
  provenance: { recordings: [recording], count: 1 },
});
const rules = (paths: Array<ReturnType<typeof obs>>, dirThreshold?: number) =>
  generalizeFiles(paths, dirThreshold === undefined ? {} : { dirThreshold }).rules.map((r) => [
    patternText(r.pattern),
    r.access.join(','),
    r.generalized?.step ?? '',
  ]);

describe('per-path steps', () => {
  it('turns /proc/<digits> into @{pid} and task ids into @{tid}', () => {
    expect(text('/proc/1234/stat')).toBe('/proc/@{pid}/stat');
    expect(text('/proc/1234')).toBe('/proc/@{pid}');
    expect(text('/proc/1234/task/1240/comm')).toBe('/proc/@{pid}/task/@{tid}/comm');
    expect(text('/proc/self/task/77/stat')).toBe('/proc/self/task/@{tid}/stat');
    expect(generalizePath('/proc/1234/task/1240/comm', true).steps).toEqual(['proc-pid', 'proc-tid']);
  });
  it('leaves /proc/self, /proc/thread-self, non-pid /proc entries and digits elsewhere alone', () => {
    for (const p of [
      '/proc/self/status',
      '/proc/thread-self/attr/current',
      '/proc/sys/net/core/somaxconn',
      '/proc/0/x',
      '/srv/1234/data',
      '/proc/self/fd/3',
    ]) {
      expect(text(p)).toBe(p);
    }
  });
  it('globs mkstemp-like names under temporary directories only', () => {
    expect(text('/tmp/tmp.93hMEG')).toBe('/tmp/tmp.*');
    expect(text('/tmp/tmp.aBcDeFgHiJ')).toBe('/tmp/tmp.*');
    expect(text('/var/tmp/sh-thd.Xk29aQ')).toBe('/var/tmp/sh-thd.*');
    expect(text('/dev/shm/sem.Qw3rTy')).toBe('/dev/shm/sem.*');
    expect(text('/tmp/ccAbc123.s')).toBe('/tmp/*.s');
    expect(text('/tmp/tmp.93hMEG/out.txt')).toBe('/tmp/tmp.*/out.txt');
    expect(text('/srv/data/tmp.93hMEG')).toBe('/srv/data/tmp.*');
    for (const p of [
      '/tmp/Makefile',
      '/tmp/MyProject',
      '/tmp/index.html',
      '/tmp/build',
      '/tmp/x.log',
      '/srv/data/ab12cd34',
      '/run/nginx.pid',
    ]) {
      expect(text(p)).toBe(p);
    }
  });
  it('globs hex hashes of 16+ digits and UUIDs, but not inside /proc, /sys or /dev', () => {
    expect(text('/var/cache/app/3f2a9c1d0e8b7a6f5d4c.json')).toBe('/var/cache/app/*.json');
    expect(text('/var/lib/app/sha256-0123456789abcdef0123456789abcdef')).toBe('/var/lib/app/sha256-*');
    expect(text('/var/lib/app/123e4567-e89b-12d3-a456-426614174000/state')).toBe('/var/lib/app/*/state');
    expect(text('/var/lib/app/0123456789abcde')).toBe('/var/lib/app/0123456789abcde');
    expect(text('/dev/disk/by-uuid/123e4567-e89b-12d3-a456-426614174000')).toBe(
      '/dev/disk/by-uuid/123e4567-e89b-12d3-a456-426614174000',
    );
    expect(text('/sys/devices/0123456789abcdef0123')).toBe('/sys/devices/0123456789abcdef0123');
  });
  it('escapes literal glob characters in the canonical text so that they are not mistaken for globs', () => {
    expect(text('/srv/a*b{c}')).toBe('/srv/a\\*b\\{c\\}');
  });
});

describe('generalizeFiles', () => {
  it('merges paths that generalise alike, with their accesses, provenance and sources', () => {
    const out = generalizeFiles([obs('/proc/10/stat', ['read'], 'a'), obs('/proc/20/stat', ['read'], 'b')]).rules;
    expect(out).toEqual([
      {
        pattern: [{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/stat' }],
        access: ['read'],
        provenance: { recordings: ['a', 'b'], count: 2 },
        generalized: { step: 'proc-pid', from: ['/proc/10/stat', '/proc/20/stat'] },
      },
    ]);
  });

  it(`makes dir/* of more than ${DEFAULT_DIR_THRESHOLD} files with the same access in one directory`, () => {
    const many = Array.from({ length: 9 }, (_, i) => obs(`/etc/ssl/certs/c${i}.pem`));
    const out = generalizeFiles([...many, obs('/etc/ssl/certs/key.pem', ['read', 'write'])]).rules;
    expect(out.map((r) => [patternText(r.pattern), r.access.join(',')])).toEqual([
      ['/etc/ssl/certs/*', 'read'],
      ['/etc/ssl/certs/key.pem', 'read,write'],
    ]);
    expect(out[0]!.generalized).toEqual({ step: 'dir-many', from: many.map((m) => m.path).sort() });
    expect(out[0]!.provenance.count).toBe(9);
  });

  it(`keeps ${DEFAULT_DIR_THRESHOLD} files or fewer as they are, and the threshold can be changed`, () => {
    const eight = Array.from({ length: 8 }, (_, i) => obs(`/srv/www/f${i}.html`));
    expect(rules(eight)).toHaveLength(8);
    expect(rules(eight, 3)).toEqual([['/srv/www/*', 'read', 'dir-many']]);
  });

  it('never merges /, /etc, /proc, /sys top levels, anything under /proc, /sys or /dev, or executables', () => {
    for (const dir of ['', '/etc', '/proc', '/sys', '/proc/sys/net/ipv4', '/sys/class/net', '/dev']) {
      const files = Array.from({ length: 12 }, (_, i) => obs(`${dir}/f${i}`));
      expect(rules(files).every(([p]) => !p?.endsWith('/*'))).toBe(true);
    }
    const bins = Array.from({ length: 12 }, (_, i) => obs(`/usr/local/bin/tool${i}`, ['exec']));
    expect(rules(bins)).toHaveLength(12);
    const libs = Array.from({ length: 12 }, (_, i) =>
      obs(`/usr/lib/x86_64-linux-gnu/lib${i}.so`, ['read', 'mmap-exec']),
    );
    expect(rules(libs)).toHaveLength(12);
  });

  it('never widens execution: a random-named executable keeps its literal path for exec', () => {
    const g = generalizeFiles([obs('/tmp/tmp.93hMEG', ['read', 'write', 'exec'])]);
    expect(g.rules.map((r) => [patternText(r.pattern), r.access.join(',')])).toEqual([
      ['/tmp/tmp.*', 'read,write'],
      ['/tmp/tmp.93hMEG', 'exec'],
    ]);
    expect(g.warnings[0]).toMatch(/kept literal/);
  });

  it('marks directories with a trailing slash: listed, or with observed paths below them', () => {
    const out = rules([obs('/srv/www', ['dir-list']), obs('/data', ['create']), obs('/data/db', ['write'])]);
    expect(out).toEqual([
      ['/data/', 'create', ''],
      ['/data/db', 'write', ''],
      ['/srv/www/', 'dir-list', ''],
    ]);
  });

  it('sorts rules by their canonical text', () => {
    const out = rules([obs('/b'), obs('/a/c'), obs('/a')]);
    expect(out.map(([p]) => p)).toEqual(['/a/', '/a/c', '/b']);
  });
});
