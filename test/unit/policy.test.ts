import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../src/analyze/policy.js';
import { patternText } from '../../src/analyze/pattern.js';
import { TracewallError } from '../../src/errors.js';
import { loadRecording, makeRecording } from './render-helpers.js';

const opts = { name: 'app', runtime: 'crun' as const };

describe('buildPolicy', () => {
  it('merges recordings as a union with provenance and total counts', () => {
    const a = makeRecording({
      name: 'run-a',
      syscalls: { x86_64: { read: { count: 3, failed: 0 }, openat: { count: 2, failed: 1 } } },
      files: { '/etc/hosts': { access: ['read'] } },
      identity: { uids: [1000], gids: [1000], changes: [], capabilities: [] },
    });
    const b = makeRecording({
      name: 'run-b',
      syscalls: {
        x86_64: { read: { count: 4, failed: 0 }, write: { count: 1, failed: 0 } },
        i386: { socketcall: { count: 1, failed: 0 } },
      },
      files: { '/etc/hosts': { access: ['read', 'lock'] }, '/var/log/app.log': { access: ['append'] } },
      identity: {
        uids: [1001],
        gids: [1000],
        changes: [],
        capabilities: [{ name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'] }],
      },
    });
    const p = buildPolicy([a, b], opts);
    expect(p.sources).toEqual(['run-a', 'run-b']);
    expect(p.syscalls.x86_64).toEqual({
      openat: { provenance: { recordings: ['run-a'], count: 2 } },
      read: { provenance: { recordings: ['run-a', 'run-b'], count: 7 } },
      write: { provenance: { recordings: ['run-b'], count: 1 } },
    });
    expect(p.syscalls.i386).toEqual({ socketcall: { provenance: { recordings: ['run-b'], count: 1 } } });
    expect(p.files.map((f) => [patternText(f.pattern), f.access, f.provenance])).toEqual([
      ['/etc/hosts', ['read', 'lock'], { recordings: ['run-a', 'run-b'], count: 2 }],
      ['/var/log/app.log', ['append'], { recordings: ['run-b'], count: 1 }],
    ]);
    expect(p.capabilities).toEqual([
      { name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'], provenance: { recordings: ['run-b'], count: 1 } },
    ]);
    expect(p.identity).toEqual({ uids: [1000, 1001], gids: [1000], needsRoot: true });
    expect(p.runtime.name).toBe('crun');
  });

  it('keeps an argument key only when every run that made the call recorded it', () => {
    const withArgs = makeRecording({
      name: 'a',
      syscalls: { x86_64: { socket: { count: 1, failed: 0, args: { domain: ['AF_INET'], type: ['SOCK_STREAM'] } } } },
    });
    const moreArgs = makeRecording({
      name: 'b',
      syscalls: { x86_64: { socket: { count: 1, failed: 0, args: { domain: ['AF_UNIX'] } } } },
    });
    const noArgs = makeRecording({ name: 'c', syscalls: { x86_64: { socket: { count: 1, failed: 0 } } } });
    expect(buildPolicy([withArgs, moreArgs], opts).syscalls.x86_64!.socket!.args).toEqual({
      domain: ['AF_INET', 'AF_UNIX'],
    });
    expect(buildPolicy([withArgs, noArgs], opts).syscalls.x86_64!.socket!.args).toBeUndefined();
  });

  it('is deterministic: same input, same output, whatever the key order inside the recordings', () => {
    const r = loadRecording('busybox-httpd');
    const shuffled = structuredClone(r);
    shuffled.files = Object.fromEntries(Object.entries(r.files).reverse());
    shuffled.syscalls = { x86_64: Object.fromEntries(Object.entries(r.syscalls.x86_64!).reverse()) };
    shuffled.executables = [...r.executables].reverse();
    expect(JSON.stringify(buildPolicy([shuffled], opts))).toBe(JSON.stringify(buildPolicy([r], opts)));
  });

  it('names two recordings with the same name apart in provenance, and warns', () => {
    const p = buildPolicy([makeRecording({ name: 'x' }), makeRecording({ name: 'x' })], opts);
    expect(p.sources).toEqual(['x', 'x#2']);
    expect(p.syscalls.x86_64!.read!.provenance.recordings).toEqual(['x', 'x#2']);
    expect(p.warnings.some((w) => w.includes('two recordings are named "x"'))).toBe(true);
  });

  it('carries recording warnings, prefixed with the recording name', () => {
    const p = buildPolicy([makeRecording({ name: 'r1', warnings: ['trace truncated'] })], opts);
    expect(p.warnings).toContain('r1: trace truncated');
  });

  it('counts executables as exec accesses and lists them with provenance', () => {
    const r = makeRecording({ executables: [{ path: '/usr/bin/env', argv0: 'env', parent: '' }] });
    const p = buildPolicy([r], opts);
    expect(p.executables).toEqual([{ path: '/usr/bin/env', provenance: { recordings: ['rec'], count: 1 } }]);
    expect(p.files.map((f) => [patternText(f.pattern), f.access])).toEqual([['/usr/bin/env', ['exec']]]);
  });

  it('needs root only for uid 0 or capabilities', () => {
    expect(buildPolicy([makeRecording()], opts).identity.needsRoot).toBe(false);
    expect(
      buildPolicy([makeRecording({ identity: { uids: [0], gids: [0], changes: [], capabilities: [] } })], opts).identity
        .needsRoot,
    ).toBe(true);
  });

  it('checks its options up front and quotes the bad value', () => {
    const r = makeRecording();
    expect(() => buildPolicy([r], { name: 'bad name', runtime: 'crun' })).toThrow(
      /profile name "bad name" is not a valid name/,
    );
    expect(() => buildPolicy([r], { name: 'ok', runtime: 'podman' as never })).toThrow(
      /runtime "podman" is not supported/,
    );
    expect(() => buildPolicy([], opts)).toThrow(TracewallError);
    try {
      buildPolicy([], opts);
    } catch (e) {
      expect((e as TracewallError).exitCode).toBe(2);
    }
  });

  it('builds the busybox fixture with the mktemp name generalised and the runtime layer attached', () => {
    const p = buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });
    expect(p.files.map((f) => patternText(f.pattern))).toEqual([
      '/bin/busybox',
      '/dev/null',
      '/etc/localtime',
      '/proc/self/exe',
      '/tmp/tmp.*',
      '/www/',
      '/www/index.html',
    ]);
    expect(p.files.find((f) => f.generalized)!.generalized).toEqual({ step: 'temp-name', from: ['/tmp/tmp.93hMEG'] });
    expect(p.runtime.version).toBe('1.1.5');
  });
});
