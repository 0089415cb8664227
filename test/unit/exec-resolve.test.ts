import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveExecs } from '../../src/analyze/exec-resolve.js';
import { bundleExecLookup } from '../../src/trace/exec-lookup.js';
import { readBundle } from '../../src/trace/bundle.js';
import { makeRecording } from './render-helpers.js';

describe('resolveExecs (pure)', () => {
  const lookup = (p: string) =>
    ({
      '/bin/sh': { resolved: '/usr/bin/dash' },
      '/app/run.sh': { resolved: '/app/run.sh', interpreter: '/bin/sh' },
      '/usr/bin/dash': { resolved: '/usr/bin/dash' },
    })[p];

  it('grants exec on symlink targets, interpreters, and the parent binary for /proc/self/exe', () => {
    const rec = makeRecording({
      files: { '/app/run.sh': { access: ['read', 'exec'] }, '/proc/self/exe': { access: ['exec'] } },
      executables: [
        { path: '/app/run.sh', argv0: 'run.sh', parent: '' },
        { path: '/proc/self/exe', argv0: 'helper', parent: '/bin/sh' },
      ],
      warnings: [],
    });
    const out = resolveExecs(rec, lookup);
    expect(out.files['/usr/bin/dash']?.access).toEqual(['exec']);
    expect(out.files['/bin/sh']?.access).toEqual(['exec']);
    expect(out.files['/app/run.sh']?.access).toEqual(['read', 'exec']);
    expect(out.warnings).toEqual([]);
  });

  it('warns about exec paths it cannot resolve, and changes nothing else', () => {
    const rec = makeRecording({ files: { '/gone': { access: ['exec'] } }, executables: [], warnings: [] });
    const out = resolveExecs(rec, () => undefined);
    expect(Object.keys(out.files)).toEqual(['/gone']);
    expect(out.warnings[0]).toMatch(/exec of "\/gone": could not resolve/);
  });
});

describe('bundleExecLookup (container view)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-exec-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const rootfs = path.join(tmp, 'rootfs');
  const hostUsr = path.join(tmp, 'host-usr');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'usr'), { recursive: true });
  fs.mkdirSync(path.join(hostUsr, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(rootfs, 'bin', 'busybox'), '\x7fELF');
  fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'sh'));
  fs.symlinkSync('/usr/bin/python3.11', path.join(rootfs, 'bin', 'python3'));
  fs.writeFileSync(path.join(hostUsr, 'bin', 'python3.11'), '\x7fELF');
  fs.writeFileSync(path.join(hostUsr, 'bin', 'tool'), '#!/bin/sh -e\necho\n');
  fs.writeFileSync(
    path.join(tmp, 'config.json'),
    JSON.stringify({
      process: { args: ['/bin/sh'], cwd: '/' },
      root: { path: 'rootfs' },
      mounts: [{ destination: '/usr', type: 'bind', source: hostUsr, options: ['rbind', 'ro'] }],
    }),
  );
  const lookup = bundleExecLookup(readBundle(tmp));

  it('follows relative and absolute symlinks inside the root filesystem and through bind mounts', () => {
    expect(lookup('/bin/sh')).toEqual({ resolved: '/bin/busybox' });
    expect(lookup('/bin/python3')).toEqual({ resolved: '/usr/bin/python3.11' });
  });

  it('reads a script interpreter from the container view, and misses paths that are not there', () => {
    expect(lookup('/usr/bin/tool')).toEqual({ resolved: '/usr/bin/tool', interpreter: '/bin/sh' });
    expect(lookup('/nope')).toBeUndefined();
  });
});
