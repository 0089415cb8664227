import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import { brief, diff, fixture, run } from './diff-helpers.js';

const oldText = fs.readFileSync(fixture('old.recording.json'), 'utf8');
const newText = fs.readFileSync(fixture('new.recording.json'), 'utf8');

describe('recording diffs', () => {
  test('syscalls, files, executables, sockets and capabilities, rated', () => {
    expect(brief(diff(oldText, newText).findings)).toEqual([
      'added syscall ptrace critical widens',
      'added capability CAP_NET_RAW high widens',
      'added executable /usr/sbin/arping high widens',
      'added file /etc/passwd high widens',
      'added network socket AF_PACKET SOCK_RAW 768 high widens',
      'removed syscall alarm low',
    ]);
    const r = diff(oldText, newText);
    expect(r.findings.find((f) => f.kind === 'file')!.detail).toBe('read, write: written under /etc');
    expect(r.findings.find((f) => f.kind === 'capability')!.detail).toMatch(
      /needed for: socket\(AF_PACKET, SOCK_RAW\)$/,
    );
  });

  test('new ABIs, argument values and uid 0', () => {
    const a = JSON.parse(oldText);
    const b = JSON.parse(oldText);
    a.identity.uids = [1000];
    b.identity.uids = [0, 1000];
    b.syscalls.i386 = { getuid32: { count: 1, failed: 0 } };
    b.syscalls.x86_64.socket.args.domain = ['AF_INET', 'AF_NETLINK'];
    b.syscalls.x86_64.clone.args = { flags: ['CLONE_NEWUSER|SIGCHLD'] };
    expect(brief(diff(JSON.stringify(a), JSON.stringify(b)).findings)).toEqual([
      'changed syscall clone critical widens',
      'added identity uid 0 high widens',
      'added architecture i386 medium widens',
      'changed syscall socket medium widens',
      'added syscall getuid32 (i386) low widens',
      'changed syscall clone info',
    ]);
  });

  test('a recording of the wrong version is an exit-2 error naming both versions', () => {
    const bad = JSON.stringify({ ...JSON.parse(newText), schemaVersion: 2 });
    expect(() => diff(oldText, bad, 'old.json', 'new.json')).toThrow(
      /new\.json: recording schemaVersion 2 is not supported; this tracewall reads schemaVersion 1/,
    );
  });

  test('identical recordings: no differences, in every format', async () => {
    for (const format of ['text', 'markdown', 'json']) {
      const res = await run(fixture('old.recording.json'), fixture('old.recording.json'), { format, failOn: 'low' });
      expect(res.code).toBe(0);
      expect(res.out).toContain('no differences');
    }
  });
});
