// The strace → Recording builder on hand-written logs: process tree state, access mapping, facts, capabilities, startAt.
import { describe, expect, it } from 'vitest';
import { recordingFromStrace, type StraceMeta } from '../../src/analyze/from-strace.js';
import { isoFromEpoch, signalName } from '../../src/analyze/builder.js';
import { realName } from '../../src/parse/strace-ops.js';
import { serializeRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';

const meta = (extra: Partial<StraceMeta> = {}): StraceMeta => ({
  name: 'unit',
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.18',
  target: { kind: 'command', argv: ['x'], cwd: '/home/u' },
  initialCwd: '/home/u',
  initialUid: 1000,
  initialGid: 1000,
  ...extra,
});
const rec = (text: string[], extra: Partial<StraceMeta> = {}): Recording => {
  const r = recordingFromStrace(text.join('\n') + '\n', meta(extra));
  serializeRecording(r); // schema-valid
  return r;
};
const acc = (r: Recording, p: string) => r.files[p]?.access;

describe('recordingFromStrace', () => {
  it('resolves relative paths against the cwd each process inherited', () => {
    const r = rec([
      '1 1.0 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0',
      '1 1.1 chdir("work") = 0',
      '1 1.2 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 2',
      '1 1.3 chdir("/") = 0',
      '2 1.4 chdir("sub") = 0',
      '2 1.5 open("f", O_RDONLY) = 3',
      '1 1.6 stat("etc/x", 0x1) = 0',
      '2 1.7 execve("../tool", ["tool"], 0x1 /* 1 var */) = 0',
    ]);
    expect(acc(r, '/home/u/work/sub/f')).toEqual(['read']);
    expect(acc(r, '/etc/x')).toEqual(['stat']);
    expect(acc(r, '/home/u/work/tool')).toEqual(['exec']);
    expect(r.executables).toEqual([
      { path: '/bin/sh', argv0: 'sh', parent: '' },
      { path: '/home/u/work/tool', argv0: 'tool', parent: '/bin/sh' },
    ]);
    expect(r.syscalls.x86_64!.clone!.args).toEqual({ flags: ['CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'] });
  });

  it('maps open flags to accesses and uses the resolved path strace shows', () => {
    const r = rec([
      '1 1.0 openat(AT_FDCWD</home/u>, "a", O_RDWR|O_APPEND) = 3</home/u/a>',
      '1 1.1 openat(AT_FDCWD</home/u>, "link", O_RDONLY) = 3</home/u/target>',
      '1 1.2 openat(AT_FDCWD</home/u>, "p", O_PATH) = 3</home/u/p>',
      '1 1.3 openat(AT_FDCWD</home/u>, "t", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</home/u/t>',
      '1 1.4 openat(AT_FDCWD</home/u>, "gone", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '1 1.5 openat(5</srv>, "rel", O_RDONLY|O_DIRECTORY) = 3</srv/rel>',
      '1 1.6 openat(5, "nodeco", O_RDONLY) = 4',
      '1 1.7 openat2(AT_FDCWD</home/u>, "o2", {flags=O_WRONLY|O_CREAT, mode=0600, resolve=0}, 24) = 3</home/u/o2>',
      '1 1.8 creat("/tmp/c", 0644) = 3</tmp/c>',
      '1 1.9 open("/proc/self/status", O_RDONLY) = 3</proc/1/status>',
    ]);
    expect(acc(r, '/home/u/a')).toEqual(['read', 'append']);
    expect(acc(r, '/home/u/target')).toEqual(['read']);
    expect(acc(r, '/home/u/link')).toBeUndefined();
    expect(acc(r, '/home/u/p')).toEqual(['stat']);
    expect(acc(r, '/home/u/t')).toEqual(['write', 'create']);
    expect(acc(r, '/home/u/gone')).toBeUndefined();
    expect(acc(r, '/srv/rel/')).toEqual(['dir-list']);
    expect(Object.keys(r.files).some((p) => p.includes('nodeco'))).toBe(false);
    expect(acc(r, '/home/u/o2')).toEqual(['write', 'create']);
    expect(acc(r, '/tmp/c')).toEqual(['write', 'create']);
    expect(acc(r, '/proc/1/status')).toEqual(['read']);
    expect(r.syscalls.x86_64!.openat).toEqual({ count: 7, failed: 1 });
  });

  it('names the file of an executable mapping, also through mprotect', () => {
    const r = rec([
      '1 1.0 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3</lib/libx.so>, 0) = 0x7f0000000000',
      '1 1.1 mprotect(0x7f0000001000, 4096, PROT_READ|PROT_EXEC) = 0',
      '1 1.2 mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE, 4</lib/liby.so>, 0) = 0x7f0000100000',
      '1 1.3 mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000200000',
      '1 1.4 mprotect(0x7f0000300000, 4096, PROT_READ|PROT_EXEC) = 0',
      '1 1.5 mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_SHARED, 5</memfd:jit (deleted)>, 0) = 0x7f0000400000',
    ]);
    expect(r.files).toEqual({ '/lib/libx.so': { access: ['mmap-exec'] }, '/lib/liby.so': { access: ['mmap-exec'] } });
  });

  it('finds the listening address from -yy or from the earlier bind on the fd', () => {
    const r = rec([
      '1 1.0 socket(AF_INET6, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3',
      '1 1.1 bind(3, {sa_family=AF_INET6, sin6_port=htons(8443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::", &sin6_addr), sin6_scope_id=0}, 28) = 0',
      '1 1.2 listen(3, 511) = 0',
      '1 1.3 listen(4<TCP:[0.0.0.0:8080]>, 128) = 0',
      '1 1.4 sendto(5<UDP:[1]>, "q", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 1',
      '1 1.5 connect(6<TCP:[2]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("1.2.3.4")}, 16) = -1 EINPROGRESS (Operation now in progress)',
      '1 1.6 connect(7, {sa_family=AF_UNSPEC}, 16) = 0',
      '1 1.7 sendmsg(8<UNIX:[3]>, {msg_name={sa_family=AF_UNIX, sun_path="/dev/log"}, msg_namelen=110, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 1',
    ]);
    expect(r.network.bind).toEqual([{ family: 'AF_INET6', address: '::', port: 8443 }]);
    expect(r.network.listen).toEqual([
      { family: 'AF_INET', address: '0.0.0.0', port: 8080 },
      { family: 'AF_INET6', address: '::', port: 8443 },
    ]);
    expect(r.network.connect).toEqual([
      { family: 'AF_INET', address: '1.2.3.4', port: 443 },
      { family: 'AF_INET', address: '10.0.0.2', port: 53 },
      { family: 'AF_UNIX', address: '/dev/log', port: 0 },
    ]);
    expect(r.network.sockets).toEqual([{ family: 'AF_INET6', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP' }]);
    expect(r.identity.capabilities).toEqual([]);
  });

  it('records argument facts for clone, prctl, personality, ioctl, unshare and setns', () => {
    const r = rec([
      '1 1.0 clone(child_stack=NULL, flags=SIGCHLD) = 2',
      '1 1.1 clone(child_stack=0x1, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 3',
      '1 1.2 clone3({flags=CLONE_NEWPID|CLONE_NEWNS, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88) = 4',
      '1 1.3 prctl(PR_SET_NAME, "x") = 0',
      '1 1.4 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0',
      '1 1.5 personality(0xffffffff) = 0 (PER_LINUX)',
      '1 1.6 ioctl(0</dev/pts/0<char 136:0>>, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|OPOST}) = 0',
      '1 1.7 ioctl(1</dev/pts/0<char 136:0>>, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0',
      '1 1.8 unshare(CLONE_NEWNET|CLONE_NEWUSER) = 0',
      '1 1.9 setns(3</proc/9/ns/net>, CLONE_NEWNET) = 0',
      '1 2.0 unshare(CLONE_NEWUSER) = 0',
      '1 2.1 mount("tmpfs", "/mnt", "tmpfs", 0, NULL) = 0',
      '1 2.2 ptrace(PTRACE_ATTACH, 99) = 0',
      '1 2.3 ptrace(PTRACE_TRACEME) = 0',
      '1 2.4 chroot("/jail") = -1 EPERM (Operation not permitted)',
    ]);
    const s = r.syscalls.x86_64!;
    expect(s.clone!.args).toEqual({ flags: ['0', 'CLONE_VFORK|CLONE_VM'] });
    expect(s.clone3!.args).toEqual({ flags: ['CLONE_NEWNS|CLONE_NEWPID'] });
    expect(s.prctl!.args).toEqual({ option: ['PR_SET_NAME', 'PR_SET_NO_NEW_PRIVS'] });
    expect(s.personality!.args).toEqual({ persona: ['0xffffffff'] });
    expect(s.ioctl!.args).toEqual({ request: ['TCGETS', 'TIOCGWINSZ'] });
    expect(s.unshare!.args).toEqual({ flags: ['CLONE_NEWNET|CLONE_NEWUSER', 'CLONE_NEWUSER'] });
    expect(s.setns!.args).toEqual({ nstype: ['CLONE_NEWNET'] });
    const caps = Object.fromEntries(r.identity.capabilities.map((c) => [c.name, c.reasons]));
    expect(caps.CAP_SYS_ADMIN).toEqual([
      'clone3(CLONE_NEWNS|CLONE_NEWPID)',
      'mount(/mnt)',
      'setns(CLONE_NEWNET)',
      'unshare(CLONE_NEWNET|CLONE_NEWUSER)',
    ]);
    expect(caps.CAP_SYS_PTRACE).toEqual(['ptrace(PTRACE_ATTACH, 99)']);
    expect(caps.CAP_SYS_CHROOT).toBeUndefined();
  });

  it('implies setuid/chown capabilities only for root', () => {
    const asUser = rec(['1 1.0 setuid(1000) = 0', '1 1.1 chown("/tmp/f", 1000, 1000) = 0']);
    expect(asUser.identity.capabilities).toEqual([]);
    expect(asUser.identity.changes).toEqual(['setuid(1000)']);
    const asRoot = rec(
      [
        '1 1.0 chown32("/tmp/f", 1000, -1) = 0',
        '1 1.1 setreuid(-1, 1000) = 0',
        '1 1.2 setuid(0) = -1 EPERM (Operation not permitted)',
      ],
      { initialUid: 0, initialGid: 0 },
    );
    expect(asRoot.identity.capabilities).toEqual([
      { name: 'CAP_CHOWN', reasons: ['chown(/tmp/f, 1000, -1)'] },
      { name: 'CAP_SETUID', reasons: ['setreuid(-1, 1000)'] },
    ]);
    expect(asRoot.identity.uids).toEqual([0, 1000]);
  });

  it('startAt: the runtime, its other children and everything before the entrypoint are left out', () => {
    const r = rec(
      [
        '100 1.0 execve("/usr/bin/crun", ["crun", "run", "x"], 0x1 /* 1 var */) = 0',
        '100 1.1 openat(AT_FDCWD</b>, "config.json", O_RDONLY) = 3</b/config.json>',
        '100 1.2 clone(child_stack=NULL, flags=SIGCHLD) = 101',
        '101 1.3 execve("/bin/sh", ["sh", "-c", "hook"], 0x1 /* 1 var */) = 0',
        '101 1.4 +++ exited with 0 +++',
        '100 1.5 clone(child_stack=NULL, flags=CLONE_NEWPID|SIGCHLD) = 102',
        '102 1.6 openat(AT_FDCWD</b/rootfs>, "/etc/runtime-secret", O_RDONLY) = 3</b/rootfs/etc/runtime-secret>',
        '102 1.7 execve("/app", ["/app", "--serve"], 0x1 /* 1 var */) = -1 ENOENT (No such file or directory)',
        '102 1.8 execve("/bin/app", ["/app", "--serve"], 0x1 /* 1 var */) = 0',
        '102 1.9 openat(AT_FDCWD</srv>, "data", O_RDONLY) = 3</srv/data>',
        '102 2.0 clone(child_stack=NULL, flags=SIGCHLD) = 103',
        '103 2.1 execve("/bin/helper", ["helper"], 0x1 /* 1 var */) = 0',
        '103 2.2 +++ exited with 0 +++',
        '102 2.3 execve("/bin/app", ["/app", "--serve"], 0x1 /* 1 var */) = 0',
        '102 2.4 +++ exited with 3 +++',
        '100 2.5 unlink("/run/crun/x") = 0',
        '100 2.6 +++ exited with 3 +++',
      ],
      { startAt: { argv: ['/app', '--serve'] }, initialCwd: '/srv', initialUid: 0, initialGid: 0 },
    );
    expect(Object.keys(r.files).sort()).toEqual(['/bin/app', '/bin/helper', '/srv/data']);
    expect(r.executables).toEqual([
      { path: '/bin/app', argv0: '/app', parent: '' },
      { path: '/bin/app', argv0: '/app', parent: '/bin/app' },
      { path: '/bin/helper', argv0: 'helper', parent: '/bin/app' },
    ]);
    expect(r.syscalls.x86_64!.execve).toEqual({ count: 3, failed: 0 });
    expect(r.syscalls.x86_64!.unlink).toBeUndefined();
    expect(r.termination).toEqual({ kind: 'exit', code: 3 });
    expect(r.startedAt).toBe(isoFromEpoch('1.8'));
    expect(r.endedAt).toBe(isoFromEpoch('2.4'));
  });

  it('records ABIs from personality switches, and names it cannot know', () => {
    const r = rec([
      '1 1.0 execve("/x32", ["x32"], 0x1 /* 1 var */) = 0',
      '1 1.1 [ Process PID=1 runs in x32 mode. ]',
      '1 1.2 getpid() = 1',
      '1 1.3 syscall_0x300(0x1) = -1 ENOSYS (Function not implemented)',
      '1 1.4 Frobnicate() = 0',
      '1 1.5 +++ killed by SIGRT_1 +++',
    ]);
    expect(r.syscalls.x32).toEqual({ getpid: { count: 1, failed: 0 }, syscall_0x300: { count: 1, failed: 1 } });
    expect(r.termination).toEqual({ kind: 'signal', signal: 'SIGRTMIN+1' });
    expect(r.warnings).toEqual([
      'strace did not know syscall number 768 (0x300) on x32; recorded as syscall_0x300',
      'syscall name "Frobnicate" is not a valid name; the call was skipped',
    ]);
  });

  it('has empty times without -ttt and an unknown end without an exit line', () => {
    const r = rec(['1 getpid() = 1', '1 read(0,  <unfinished ...>']);
    expect(r.startedAt).toBe('');
    expect(r.endedAt).toBe('');
    expect(r.termination).toEqual({ kind: 'unknown' });
    expect(r.syscalls.x86_64!.read).toEqual({ count: 1, failed: 0 });
  });

  it("takes its start and end from tracewall's own first and last lines when the calls carry no time", () => {
    const r = rec([
      '# tracewall: started 1795940000.250000',
      '1 getpid() = 1',
      '1 +++ exited with 0 +++',
      '# tracewall: ended 1795940002.750999',
    ]);
    expect(r.startedAt).toBe('2026-11-29T08:13:20.250Z');
    expect(r.endedAt).toBe('2026-11-29T08:13:22.750Z');
    expect(r.warnings).toEqual([]);
    // anything else after a # is not ours: not understood, and said so
    expect(rec(['# tracewall: started soon', '1 getpid() = 1']).warnings.join('\n')).toMatch(/line 1/);
  });

  it('counts calls strace printed raw (-e raw=read,...): hex results succeed, errors still fail', () => {
    // What strace 6.1 prints with tracewall's flags for the raw data-transfer calls.
    const r = rec([
      '1 0.9 [ 56] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 2',
      '1 1.0 [  0] read(0x3, 0x7ffe642858d8, 0x340) = 0x340',
      '1 1.1 [  0] read(0, 0x55a434d784a0, 0x1000) = 0',
      '1 1.2 [  0] read(0x63, 0x7ffd1efed42c, 0x1) = -1 EBADF (Bad file descriptor)',
      '1 1.3 [  1] write(0x62, 0x7ffd1efed42c, 0x1) = -1 EBADF (Bad file descriptor)',
      '1 1.4 [  1] write(0x1, 0x560777b67e20, 0x1) = 0x1',
      '1 1.5 [ 45] recvfrom(0x61, 0x7ffd1efed42c, 0x1, 0, 0, 0) = -1 EBADF (Bad file descriptor)',
      '1 1.6 [ 19] readv(0x4,  <unfinished ...>',
      '2 1.7 [  0] read(0x5, 0x1, 0x10) = 0x10',
      '1 1.8 <... readv resumed>0x7ffd1efed000, 0x2) = -1 EINTR (Interrupted system call)',
    ]);
    expect(r.syscalls.x86_64!.read).toEqual({ count: 4, failed: 1 });
    expect(r.syscalls.x86_64!.write).toEqual({ count: 2, failed: 1 });
    expect(r.syscalls.x86_64!.recvfrom).toEqual({ count: 1, failed: 1 });
    expect(r.syscalls.x86_64!.readv).toEqual({ count: 1, failed: 1 });
    expect(r.warnings).toEqual([]);
  });

  it('follows execveat with an fd and AT_EMPTY_PATH', () => {
    const r = rec(['1 1.0 execveat(3</usr/bin/env>, "", ["env"], 0x1 /* 1 var */, AT_EMPTY_PATH) = 0']);
    expect(r.executables).toEqual([{ path: '/usr/bin/env', argv0: 'env', parent: '' }]);
  });
});

describe('realName', () => {
  it('trusts the number when strace names a multiplexed subcall', () => {
    expect(realName('i386', 'socket', 102)).toBe('socketcall');
    expect(realName('i386', 'socket', 359)).toBe('socket');
    expect(realName('i386', 'semop', 117)).toBe('ipc');
    expect(realName('x86_64', 'openat', 257)).toBe('openat');
    expect(realName('x86_64', 'openat', null)).toBe('openat');
    expect(realName('x86_64', 'syscall_0x1f0', 496)).toBe('syscall_0x1f0');
    expect(realName('x86_64', 'frob', 99999)).toBe('frob');
  });
});

describe('helpers', () => {
  it('turns -ttt times into ISO-8601 milliseconds', () => {
    expect(isoFromEpoch('1795935667.818957')).toBe('2026-11-29T07:01:07.818Z');
    expect(isoFromEpoch('0.5')).toBe('1970-01-01T00:00:00.500Z');
    expect(isoFromEpoch('')).toBe('');
    expect(isoFromEpoch('12:00:01.5')).toBe('');
  });

  it('names signals the way the schema accepts', () => {
    expect(signalName('SIGKILL')).toBe('SIGKILL');
    expect(signalName('SIGRT_12')).toBe('SIGRTMIN+12');
    expect(signalName('33')).toBe('SIG33');
  });
});
