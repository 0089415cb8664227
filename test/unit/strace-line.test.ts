import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLine, parseLineIn, parseResult } from '../../src/parse/line.js';

describe('parseLine', () => {
  it('reads a complete call with -ttt time and a decorated fd result', () => {
    const r = parseLine(
      '5688  1795935700.083057 openat(AT_FDCWD</tmp/exp/w>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libc.so.6>',
    );
    expect(r).toEqual({
      k: 'call',
      pid: 5688,
      time: '1795935700.083057',
      nr: null,
      name: 'openat',
      args: 'AT_FDCWD</tmp/exp/w>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC',
      result: { ret: '3', errno: '', retDeco: '/usr/lib/x86_64-linux-gnu/libc.so.6', retHostPid: null },
    });
  });

  it('reads padded, hex, failed and restarted results', () => {
    expect(parseLine('1 2.5 exit_group(0)                     = ?')).toMatchObject({
      k: 'call',
      name: 'exit_group',
      args: '0',
      result: { ret: '?' },
    });
    expect(parseLine('1 2.5 brk(NULL)       = 0x562c375ef000')).toMatchObject({
      args: 'NULL',
      result: { ret: '0x562c375ef000' },
    });
    expect(parseLine('1 2.5 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)')).toMatchObject(
      { result: { ret: '-1', errno: 'ENOENT' } },
    );
    expect(
      parseLine('1 2.5 read(0</dev/tty>, 0x7ff, 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)'),
    ).toMatchObject({ result: { ret: '?', errno: 'ERESTARTSYS' } });
    expect(parseLine('1 2.5 restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0')).toMatchObject({
      name: 'restart_syscall',
      result: { ret: '0' },
    });
    expect(parseLine('1 2.5 fcntl(3</x>, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)')).toMatchObject({
      result: { ret: '0x8002', errno: '' },
    });
    expect(parseLine('1 2.5 <... wait4 resumed>0x7ffd, 0, NULL) = ? <unavailable>')).toMatchObject({
      k: 'resumed',
      result: { ret: '?' },
    });
  });

  it('finds the real result when a path holds `) = `', () => {
    const r = parseLine(String.raw`1 2.5 openat(AT_FDCWD</tmp>, "sp ace) = 3", O_RDONLY) = 3</tmp/sp ace) = 3>`);
    expect(r).toMatchObject({
      k: 'call',
      args: String.raw`AT_FDCWD</tmp>, "sp ace) = 3", O_RDONLY`,
      result: { ret: '3', retDeco: '/tmp/sp ace) = 3' },
    });
    const s = parseLine(String.raw`1 2.5 write(1</dev/pts/0<char 136:0>>, "x) = 1\n", 7) = 7`);
    expect(s).toMatchObject({ result: { ret: '7' }, args: String.raw`1</dev/pts/0<char 136:0>>, "x) = 1\n", 7` });
    const t = parseLine('1 2.5 accept4(3<TCP:[127.0.0.1:1]>, NULL, NULL, 0) = 5<TCP:[127.0.0.1:1->127.0.0.1:2]>');
    expect(t).toMatchObject({ result: { ret: '5', retDeco: 'TCP:[127.0.0.1:1->127.0.0.1:2]' } });
    const u = parseLine('1 2.5 dup2(4</tmp/del>(deleted), 0) = 0</tmp/del>(deleted)');
    expect(u).toMatchObject({ result: { ret: '0', retDeco: '/tmp/del' } });
  });

  it('reads the pid namespace annotation of a result', () => {
    const r = parseLine("5380  1795935676.005728 <... vfork resumed>) = 2 /* 5381 in strace's PID NS */");
    expect(r).toMatchObject({ k: 'resumed', name: 'vfork', args: '', result: { ret: '2', retHostPid: 5381 } });
  });

  it('reads unfinished, resumed and detached calls', () => {
    expect(parseLine('5379  1.0 wait4(5380,  <unfinished ...>')).toEqual({
      k: 'unfinished',
      pid: 5379,
      time: '1.0',
      nr: null,
      name: 'wait4',
      args: '5380, ',
    });
    expect(
      parseLine('5379  1.1 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 5380'),
    ).toMatchObject({ k: 'resumed', name: 'wait4', args: '[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL' });
    expect(parseLine('7 1.2 <... futex resumed> <unfinished ...>) = ?')).toMatchObject({
      k: 'resumed',
      name: 'futex',
      args: '',
      result: { ret: '?' },
    });
    expect(parseLine('7 1.2 read(0,  <detached ...>')).toMatchObject({ k: 'detached', name: 'read', resumed: false });
  });

  it('reads exits, kills, signals, personality and superseded lines', () => {
    expect(parseLine('4805  1.0 +++ exited with 3 +++')).toEqual({ k: 'exit', pid: 4805, time: '1.0', code: 3 });
    expect(parseLine('4805  1.0 +++ killed by SIGSEGV (core dumped) +++')).toEqual({
      k: 'killed',
      pid: 4805,
      time: '1.0',
      signal: 'SIGSEGV',
      coreDumped: true,
    });
    expect(parseLine('4805  1.0 +++ killed by SIGKILL +++')).toMatchObject({ signal: 'SIGKILL', coreDumped: false });
    expect(parseLine('4804  1.0 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4805} ---')).toMatchObject({
      k: 'signal',
      signal: 'SIGCHLD',
    });
    expect(parseLine('4804  1.0 --- stopped by SIGSTOP ---')).toMatchObject({ k: 'signal', signal: 'SIGSTOP' });
    expect(parseLine('6121  1.0 [ Process PID=6121 runs in 32 bit mode. ]')).toEqual({
      k: 'personality',
      pid: 6121,
      time: '1.0',
      abi: 'i386',
    });
    expect(parseLine('6121  1.0 [ Process PID=6121 runs in x32 mode. ]')).toMatchObject({ abi: 'x32' });
    expect(parseLine('6121  1.0 [ Process PID=6121 runs in 64 bit mode. ]')).toMatchObject({ abi: 'x86_64' });
    expect(parseLine('11400 1.0 +++ superseded by execve in pid 11401 +++')).toEqual({
      k: 'superseded',
      pid: 11400,
      time: '1.0',
      by: 11401,
    });
  });

  it('accepts [pid N] prefixes and lines without pid or time', () => {
    expect(parseLine('[pid  42] getpid() = 42')).toMatchObject({ k: 'call', pid: 42, time: '', name: 'getpid' });
    expect(parseLine('getpid() = 42')).toMatchObject({ k: 'call', pid: 0, name: 'getpid' });
    expect(parseLine('1795935700.083057 getpid() = 42')).toMatchObject({ pid: 0, time: '1795935700.083057' });
  });

  it('reads the syscall number strace -n prints, also before messages', () => {
    expect(parseLine('1 1.0 [ 102] socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3<TCP:[1]>')).toMatchObject({
      k: 'call',
      nr: 102,
      name: 'socket',
    });
    expect(parseLine('1 1.0 [   3] close(4<pipe:[1]> <unfinished ...>')).toMatchObject({
      k: 'unfinished',
      nr: 3,
      name: 'close',
    });
    expect(parseLine('1 1.0 [   3] <... close resumed>) = 0')).toMatchObject({ k: 'resumed', nr: 3 });
    expect(parseLine('1 1.0 [  59] [ Process PID=1 runs in 32 bit mode. ]')).toMatchObject({
      k: 'personality',
      abi: 'i386',
    });
    expect(parseLine('1 1.0 [   1] +++ exited with 0 +++')).toMatchObject({ k: 'exit', code: 0 });
    expect(parseLine('1 1.0 getpid() = 1')).toMatchObject({ nr: null });
  });

  it('keeps unknown syscall placeholders', () => {
    expect(
      parseLine('1 1.0 syscall_0x1f0(0xffffffff, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)'),
    ).toMatchObject({ name: 'syscall_0x1f0', result: { errno: 'ENOSYS' } });
  });

  it('reports malformed lines instead of throwing', () => {
    expect(parseLine('1 1.0 this is not strace')).toMatchObject({ k: 'bad' });
    expect(parseLine('1 1.0 openat(AT_FDCWD, "/etc/pa')).toMatchObject({ k: 'bad', name: 'openat' });
    expect(parseLine('1 1.0 +++ something +++')).toMatchObject({ k: 'bad' });
    expect(parseResult('3</unclosed')).toBeNull();
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseLine(s);
        parseLine('1 1.0 ' + s);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a line in place inside a larger text exactly as on its own, whatever surrounds it', () => {
    const samples = [
      '5688  1795935700.083057 openat(AT_FDCWD</tmp/exp/w>, "/lib/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/libc.so.6>',
      '1 2.5 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)',
      '1 2.5 read(0x3, 0x7ffe8cb9b838, 0x340) = 0x340',
      "5380  1795935676.005728 <... vfork resumed>) = 2 /* 5381 in strace's PID NS */",
      '5379  1.0 wait4(5380,  <unfinished ...>',
      '4805  1.0 +++ killed by SIGSEGV (core dumped) +++',
      '1 1.0 getpid() = 1\r',
      '1 1.0 f(x) = 3<',
      '[pid  42] getpid() = 42',
      '12',
    ];
    const around = fc.constantFrom('', '1 1.0 getpid() = 1\n', 'x) = 0x1f <>\n', '[pid 1] \n');
    const after = fc.constantFrom('', '\n', '\n1 1.0 close(3) = 0', '\n) = 5</x>', '\n<unfinished ...>');
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...samples), fc.string()), around, after, (line, before, rest) => {
        fc.pre(!line.includes('\n'));
        const text = before + line + rest;
        expect(parseLineIn(text, before.length, before.length + line.length)).toEqual(parseLine(line));
      }),
      { numRuns: 3000 },
    );
  });
});
