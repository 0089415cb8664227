// Real strace logs recorded on this machine with straceArgs() (see test/fixtures/strace/generate.sh) turned into Recordings.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingFromStrace, recordingFromStraceChunks, type StraceMeta } from '../../src/analyze/from-strace.js';
import { serializeRecording } from '../../src/recording/io.js';
import { straceArgs } from '../../src/trace/strace.js';
import type { Recording } from '../../src/recording/types.js';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'strace');
const log = (name: string): string => fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');
const meta = (extra: Partial<StraceMeta> = {}): StraceMeta => ({
  name: 'fixture',
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.18',
  target: { kind: 'log', file: 'x.log' },
  initialCwd: '/tmp/tracewall-fixture',
  initialUid: 0,
  initialGid: 0,
  ...extra,
});
const record = (name: string, extra: Partial<StraceMeta> = {}): Recording =>
  recordingFromStrace(log(name), meta(extra));
const FIX = '/tmp/tracewall-fixture';

describe('fixture logs', () => {
  it('were made with the flags straceArgs() gives', () => {
    const script = fs.readFileSync(path.join(dir, 'generate.sh'), 'utf8');
    const flags = /^STRACE_FLAGS="([^"]*)"$/m.exec(script)![1]!.split(' ');
    expect(straceArgs('LOG')).toEqual([...flags, '-o', 'LOG']);
    expect(straceArgs('LOG', { pidns: true })).toEqual([...flags, '--decode-pids=pidns', '-o', 'LOG']);
  });

  it('every fixture gives a schema-valid recording, the same bytes twice, and the same bytes when fed in chunks', () => {
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.log'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      const a = serializeRecording(recordingFromStrace(text, meta()));
      const b = serializeRecording(recordingFromStrace(text, meta()));
      expect(a, f).toBe(b);
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += 97) chunks.push(text.slice(i, i + 97));
      expect(serializeRecording(recordingFromStraceChunks(chunks, meta())), f).toBe(a);
    }
  });

  it('sh-files: directories, files, rename, exec', () => {
    const r = record('sh-files');
    expect(r.termination).toEqual({ kind: 'exit', code: 0 });
    expect(r.files[`${FIX}/d/`]!.access).toContain('create');
    expect(r.files[`${FIX}/d/a/`]!.access).toContain('create');
    expect(r.files[`${FIX}/d/a/f`]!.access).toEqual(expect.arrayContaining(['write', 'create', 'rename']));
    expect(r.files[`${FIX}/d/a/g`]!.access).toEqual(expect.arrayContaining(['read', 'create', 'write']));
    expect(r.files['/usr/bin/busybox']!.access).toContain('exec');
    expect(r.executables).toContainEqual({ path: '/usr/bin/busybox', argv0: '/usr/bin/busybox', parent: '' });
    expect(r.syscalls.x86_64!.renameat2 ?? r.syscalls.x86_64!.rename).toBeDefined();
    expect(r.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.endedAt >= r.startedAt).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it('exit-code and killed: the root process decides the termination', () => {
    expect(record('exit-code').termination).toEqual({ kind: 'exit', code: 5 });
    expect(record('killed').termination).toEqual({ kind: 'signal', signal: 'SIGKILL' });
  });

  it('net: sockets, endpoints and the capabilities they imply', () => {
    const r = record('net');
    expect(r.network.sockets).toEqual(
      expect.arrayContaining([
        { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' },
        { family: 'AF_INET6', type: 'SOCK_DGRAM', protocol: 'IPPROTO_IP' },
        { family: 'AF_UNIX', type: 'SOCK_SEQPACKET', protocol: '0' },
        { family: 'AF_NETLINK', type: 'SOCK_RAW', protocol: 'NETLINK_ROUTE' },
        { family: 'AF_INET', type: 'SOCK_RAW', protocol: 'IPPROTO_ICMP' },
      ]),
    );
    expect(r.network.bind).toEqual(
      expect.arrayContaining([
        { family: 'AF_INET', address: '127.0.0.1', port: 80 },
        { family: 'AF_UNIX', address: `${FIX}/s"ock,1`, port: 0 },
        { family: 'AF_UNIX', address: '@tw-abs', port: 0 },
      ]),
    );
    expect(r.network.connect).toEqual(expect.arrayContaining([{ family: 'AF_INET6', address: '::1', port: 5353 }]));
    // The refused connect is not an endpoint the workload used.
    expect(r.network.connect.some((e) => e.port === 1)).toBe(false);
    expect(r.network.listen).toEqual(
      expect.arrayContaining([
        { family: 'AF_INET', address: '127.0.0.1', port: 80 },
        { family: 'AF_UNIX', address: `${FIX}/s"ock,1`, port: 0 },
      ]),
    );
    // The listener bound to port 0 listens on the port the kernel chose, as the -yy decoration shows.
    expect(r.network.listen.filter((e) => e.family === 'AF_INET' && e.port !== 80)).toHaveLength(1);
    const caps = Object.fromEntries(r.identity.capabilities.map((c) => [c.name, c.reasons]));
    expect(caps.CAP_NET_BIND_SERVICE).toEqual(['bind(AF_INET, port 80)']);
    expect(caps.CAP_NET_RAW).toEqual(['socket(AF_INET, SOCK_RAW)', 'socket(AF_PACKET, SOCK_DGRAM)']);
    const sock = r.syscalls.x86_64!.socket!;
    expect(sock.args!.domain).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
    expect(sock.args!.type).not.toContain('SOCK_STREAM|SOCK_CLOEXEC');
    expect(r.syscalls.x86_64!.connect!.failed).toBe(1);
  });

  it('ident: uid/gid changes, chown, mknod and chroot', () => {
    const r = record('ident');
    expect(r.identity.uids).toEqual([0, 1000]);
    expect(r.identity.gids).toEqual([0, 1000]);
    expect(r.identity.changes).toEqual(['setgroups(0)', 'setresgid(1000, 1000, 1000)', 'setresuid(1000, 1000, 1000)']);
    const caps = Object.fromEntries(r.identity.capabilities.map((c) => [c.name, c.reasons]));
    expect(caps.CAP_CHOWN).toEqual([`fchown(${FIX}/owned, 1000, 1000)`]);
    expect(caps.CAP_MKNOD).toEqual([`mknod(${FIX}/null2, S_IFCHR)`]);
    expect(caps.CAP_SETUID).toEqual(['setresuid(1000, 1000, 1000)']);
    expect(caps.CAP_SETGID).toEqual(['setgroups(0)', 'setresgid(1000, 1000, 1000)']);
    expect(caps.CAP_SYS_CHROOT).toEqual([`chroot(${FIX})`]);
    // "/sub" inside the chroot is the host's /tmp/tracewall-fixture/sub.
    expect(r.files[`${FIX}/sub/`]!.access).toEqual(['dir-list']);
    expect(r.files[`${FIX}/owned`]!.access).toEqual(['write', 'create', 'delete', 'metadata']);
  });

  it('threads: a thread chdir moves the whole process; a thread execve continues as the leader', () => {
    const r = record('threads');
    expect(r.files[`${FIX}/sub/rel-after-thread-chdir`]!.access).toEqual(['append', 'create']);
    expect(r.executables).toContainEqual({ path: '/usr/bin/busybox', argv0: 'true', parent: `${FIX}/bin/threads` });
    expect(r.syscalls.x86_64!.clone3!.args!.flags).toEqual([
      'CLONE_CHILD_CLEARTID|CLONE_FILES|CLONE_FS|CLONE_PARENT_SETTID|CLONE_SETTLS|CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD|CLONE_VM',
    ]);
    expect(r.termination).toEqual({ kind: 'exit', code: 0 });
    expect(r.warnings).toEqual([]);
  });

  it('files: hostile names, every access kind, mmap-exec', () => {
    const r = record('files');
    const w = `${FIX}/w`;
    for (const n of [
      'new\nline',
      'q"uote',
      'com,ma',
      'ha#sh',
      'br{ac}es',
      'sp ace) = 3',
      'gt>lt<',
      'back\\slash',
      'café',
    ]) {
      expect(r.files[`${w}/${n}`]?.access, n).toEqual(['write', 'create']);
    }
    expect(r.files[`${w}/bad\uFFFD\uFFFDutf8`]!.access).toEqual(['write', 'create']);
    expect(r.warnings).toEqual([`path is not valid UTF-8 (invalid bytes shown as U+FFFD): ${w}/bad\uFFFD\uFFFDutf8`]);
    expect(r.files[`${w}/`]!.access).toEqual(['create', 'dir-list']);
    expect(r.files[`${w}/log`]!.access).toEqual(['append', 'create', 'rename', 'lock', 'metadata']);
    expect(r.files[`${w}/log.1`]!.access).toEqual(['write', 'create', 'stat']);
    expect(r.files[`${w}/log.2`]!.access).toEqual(['write', 'delete', 'link', 'metadata']);
    expect(r.files[`${w}/log.link`]!.access).toEqual(['create', 'delete', 'link']);
    expect(r.files[`${w}/dir/`]!.access).toEqual(['create', 'delete']);
    expect(r.files[`${FIX}/rw`]!.access).toEqual(['read', 'write', 'create', 'mmap-exec']);
    expect(r.files[`${FIX}/missing`]).toBeUndefined();
  });

  it('i386: a real 32-bit process, its fork, an unknown syscall, and an exec back to 64-bit', () => {
    const r = record('i386');
    expect(Object.keys(r.syscalls.i386!).sort()).toEqual(['execve', 'exit', 'fork', 'syscall_0x1f0', 'waitpid']);
    expect(r.syscalls.i386!.syscall_0x1f0).toEqual({ count: 1, failed: 1 });
    expect(r.syscalls.x86_64!.execve!.count).toBe(1);
    expect(r.syscalls.x86_64!.exit_group).toBeDefined();
    expect(r.warnings).toEqual(['strace did not know syscall number 496 (0x1f0) on i386; recorded as syscall_0x1f0']);
  });

  it('socketcall: -n shows the i386 multiplexer strace names after its subcall', () => {
    const r = record('socketcall');
    expect(r.syscalls.i386).toEqual({
      exit: { count: 1, failed: 0 },
      socket: { count: 1, failed: 0, args: { domain: ['AF_INET'], protocol: ['IPPROTO_IP'], type: ['SOCK_DGRAM'] } },
      socketcall: { count: 1, failed: 0 },
    });
    expect(r.network.sockets).toEqual([
      { family: 'AF_INET', type: 'SOCK_DGRAM', protocol: 'IPPROTO_IP' },
      { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' },
    ]);
  });

  it('pidns: with startAt only the entrypoint and its children count', () => {
    const argv = [
      '/usr/bin/busybox',
      'sh',
      '-c',
      "cd /tmp/tracewall-fixture; /usr/bin/busybox sh -c 'echo $$' ; exit 4",
    ];
    const r = record('pidns', { startAt: { argv }, initialCwd: '/' });
    expect(r.termination).toEqual({ kind: 'exit', code: 4 });
    expect(r.files[`${FIX}/runtime-only`]).toBeUndefined();
    expect(r.syscalls.x86_64!.unshare).toBeUndefined();
    expect(r.syscalls.x86_64!.execve).toEqual({ count: 2, failed: 0 });
    expect(r.executables).toEqual([
      { path: '/usr/bin/busybox', argv0: '/usr/bin/busybox', parent: '' },
      { path: '/usr/bin/busybox', argv0: '/usr/bin/busybox', parent: '/usr/bin/busybox' },
    ]);
    const all = record('pidns');
    expect(all.termination).toEqual({ kind: 'exit', code: 4 });
    expect(all.files[`${FIX}/runtime-only`]!.access).toEqual(['write', 'create', 'delete']);
    // the calls carry no time (no -ttt): both runs span the log's own start and end lines
    expect(r.startedAt).toBe(all.startedAt);
    expect(r.startedAt).not.toBe('');
    expect(r.endedAt >= r.startedAt).toBe(true);
    const none = record('pidns', { startAt: { argv: ['not', 'run'] } });
    expect(none.syscalls).toEqual({});
    expect(none.termination).toEqual({ kind: 'unknown' });
  });
});
