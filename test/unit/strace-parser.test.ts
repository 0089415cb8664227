import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StraceParser, feedChunks, parseStraceLog } from '../../src/parse/strace.js';
import type { SyscallEvent, TraceEvent } from '../../src/parse/events.js';

const calls = (evs: TraceEvent[]): SyscallEvent[] => evs.filter((e): e is SyscallEvent => e.kind === 'syscall');
const lines = (...l: string[]): string => l.join('\n') + '\n';

describe('parseStraceLog', () => {
  it('joins unfinished and resumed calls interleaved across threads', () => {
    const p = parseStraceLog(
      lines(
        '10 1.000001 execve("/bin/x", ["x"], 0x1 /* 1 var */) = 0',
        '10 1.000002 clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0} => {parent_tid=[11]}, 88) = 11',
        '10 1.000003 futex(0x1, FUTEX_WAIT, 11, NULL <unfinished ...>',
        '11 1.000004 openat(AT_FDCWD</tmp>, "a", O_RDONLY <unfinished ...>',
        '10 1.000005 <... futex resumed>) = -1 EAGAIN (Resource temporarily unavailable)',
        '11 1.000006 <... openat resumed>) = 3</tmp/a>',
        '11 1.000007 exit(0) = ?',
        '11 1.000008 +++ exited with 0 +++',
        '10 1.000009 exit_group(0) = ?',
        '10 1.000010 +++ exited with 0 +++',
      ),
    );
    expect(p.warnings).toEqual([]);
    const c = calls(p.events);
    expect(c.map((e) => `${e.pid}:${e.name}`)).toEqual([
      '10:execve',
      '10:clone3',
      '10:futex',
      '11:openat',
      '11:exit',
      '10:exit_group',
    ]);
    const open = c.find((e) => e.name === 'openat')!;
    expect(open).toMatchObject({
      args: 'AT_FDCWD</tmp>, "a", O_RDONLY',
      ret: '3',
      retDeco: '/tmp/a',
      time: '1.000004',
      complete: true,
    });
    expect(c.find((e) => e.name === 'futex')!.args).toBe('0x1, FUTEX_WAIT, 11, NULL');
    expect(p.events.filter((e) => e.kind === 'process')).toEqual([
      { kind: 'process', line: 1, pid: 10, time: '1.000001', ppid: null, exact: true },
      { kind: 'process', line: 4, pid: 11, time: '1.000004', ppid: 10, exact: true },
    ]);
    expect(p.firstTime).toBe('1.000001');
    expect(p.lastTime).toBe('1.000010');
  });

  it('puts a vfork child after the parent call that created it', () => {
    const p = parseStraceLog(
      lines(
        '20 1.0 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0',
        '20 1.1 vfork( <unfinished ...>',
        '21 1.2 execve("/bin/true", ["true"], 0x2 /* 1 var */) = 0',
        '20 1.3 <... vfork resumed>) = 21',
        '21 1.4 exit_group(0) = ?',
        '21 1.5 +++ exited with 0 +++',
        '20 1.6 +++ exited with 0 +++',
      ),
    );
    const order = p.events.map((e) => `${e.kind}:${e.pid}${e.kind === 'syscall' ? ':' + e.name : ''}`);
    expect(order).toEqual([
      'process:20',
      'syscall:20:execve',
      'syscall:20:vfork',
      'process:21',
      'syscall:21:execve',
      'syscall:21:exit_group',
      'exit:21',
      'exit:20',
    ]);
    expect(p.events.find((e) => e.kind === 'process' && e.pid === 21)).toMatchObject({ ppid: 20, exact: true });
  });

  it('follows processes in a pid namespace through the host pid annotation', () => {
    const p = parseStraceLog(
      lines(
        '30 1.0 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>',
        "31 1.1 getpid() = 1 /* 31 in strace's PID NS */",
        '31 1.2 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>',
        '32 1.3 getppid() = 1',
        "31 1.4 <... clone resumed>) = 2 /* 32 in strace's PID NS */",
        '30 1.5 <... clone resumed>) = 31',
      ),
    );
    const procs = p.events.filter((e) => e.kind === 'process');
    expect(procs.map((e) => [e.pid, e.kind === 'process' ? e.ppid : 0])).toEqual([
      [30, null],
      [31, 30],
      [32, 31],
    ]);
    // 32's events wait for 31's clone, which waits for 30's.
    const order = p.events.map((e) => `${e.pid}:${e.kind === 'syscall' ? e.name : e.kind}`);
    expect(order.indexOf('30:clone')).toBeLessThan(order.indexOf('31:process'));
    expect(order.indexOf('31:clone')).toBeLessThan(order.indexOf('32:process'));
  });

  it('switches ABI on personality lines and children inherit it', () => {
    const p = parseStraceLog(
      lines(
        '40 1.0 execve("./t32", ["./t32"], 0x1 /* 1 var */) = 0',
        '40 1.1 [ Process PID=40 runs in 32 bit mode. ]',
        '40 1.2 fork() = 41',
        '41 1.3 getpid() = 41',
        '40 1.4 waitpid(-1, NULL, 0) = 41',
        '41 1.5 execve("/bin/x32prog", ["x"], NULL) = 0',
        '41 1.6 [ Process PID=41 runs in x32 mode. ]',
        '41 1.7 getpid() = 41',
        '40 1.8 exit(0) = ?',
      ),
    );
    expect(calls(p.events).map((e) => `${e.pid}:${e.name}:${e.abi}`)).toEqual([
      '40:execve:x86_64',
      '40:fork:i386',
      '41:getpid:i386',
      '40:waitpid:i386',
      '41:execve:i386',
      '41:getpid:x32',
      '40:exit:i386',
    ]);
  });

  it('gives a held child the parent ABI even when the child appeared first', () => {
    const p = parseStraceLog(
      lines(
        '50 1.0 [ Process PID=50 runs in 32 bit mode. ]',
        '50 1.1 fork( <unfinished ...>',
        '51 1.2 getpid() = 51',
        '50 1.3 <... fork resumed>) = 51',
      ),
    );
    expect(calls(p.events).map((e) => `${e.pid}:${e.name}:${e.abi}`)).toEqual(['50:fork:i386', '51:getpid:i386']);
  });

  it('makes a pid no clone in progress can have created a root of its own at once, with a warning (nothing held)', () => {
    // two runs one after the other in one log: the second root appears while nothing clones
    const p = parseStraceLog(
      lines(
        '60 1.0 getpid() = 60',
        '60 1.1 +++ exited with 0 +++',
        '70 1.2 getpid() = 70',
        '70 1.3 vfork( <unfinished ...>',
        '71 1.4 getpid() = 71',
        '70 1.5 <... vfork resumed>) = 71',
      ),
    );
    expect(p.warnings).toEqual([
      'process 70 was not created by any traced process that strace showed; treated as a separate root',
    ]);
    expect(
      p.events.filter((e) => e.kind === 'process').map((e) => `${e.pid}<-${e.kind === 'process' ? e.ppid : ''}`),
    ).toEqual(['60<-null', '70<-null', '71<-70']);
    // 70's call is given out in log order, not kept back
    expect(calls(p.events).map((e) => `${e.pid}:${e.name}`)).toEqual([
      '60:getpid',
      '70:getpid',
      '70:vfork',
      '71:getpid',
    ]);
  });

  it('counts calls that never resumed and warns', () => {
    const p = parseStraceLog(
      lines('60 1.0 read(0,  <unfinished ...>', '61 1.1 getpid() = 61', '60 1.2 +++ killed by SIGKILL +++'),
    );
    const read = calls(p.events).find((e) => e.name === 'read')!;
    expect(read).toMatchObject({ complete: false, ret: '', args: '0, ' });
    expect(p.warnings.join('\n')).toMatch(/1 call never returned .*read in pid 60 at line 1/);
    expect(p.warnings.join('\n')).toMatch(/process 61 was not created by any traced process/);
  });

  it('moves a pending execve to the leader when a thread execs', () => {
    const p = parseStraceLog(
      lines(
        '70 1.0 clone3({flags=CLONE_VM|CLONE_THREAD}, 88) = 71',
        '71 1.1 execve("/bin/true", ["true"], 0x1 /* 1 var */ <unfinished ...>',
        '70 1.2 <... pause resumed>) = ?',
        '70 1.3 +++ superseded by execve in pid 71 +++',
        '70 1.4 <... execve resumed>) = 0',
        '70 1.5 exit_group(0) = ?',
        '70 1.6 +++ exited with 0 +++',
      ),
    );
    const exec = calls(p.events).find((e) => e.name === 'execve')!;
    expect(exec).toMatchObject({ pid: 70, ret: '0', args: '"/bin/true", ["true"], 0x1 /* 1 var */', complete: true });
    expect(p.events.some((e) => e.kind === 'superseded')).toBe(true);
    expect(p.warnings).toEqual([]);
  });

  it('treats a reused pid as a new process', () => {
    const p = parseStraceLog(
      lines(
        '80 1.0 clone(child_stack=NULL, flags=SIGCHLD) = 81',
        '81 1.1 exit_group(0) = ?',
        '81 1.2 +++ exited with 0 +++',
        '80 1.3 clone(child_stack=NULL, flags=SIGCHLD) = 81',
        '81 1.4 getpid() = 81',
      ),
    );
    expect(p.events.filter((e) => e.kind === 'process' && e.pid === 81)).toHaveLength(2);
  });

  it('warns about malformed lines with their numbers and keeps going', () => {
    const p = parseStraceLog(lines('90 1.0 getpid() = 90', 'garbage here', '90 1.1 ???', '90 1.2 getppid() = 1'));
    expect(calls(p.events).map((e) => e.name)).toEqual(['getpid', 'getppid']);
    expect(p.warnings).toEqual(['2 strace lines were not understood and skipped (first at lines 2, 3)']);
  });

  it('survives a log truncated mid-line', () => {
    const p = parseStraceLog('95 1.0 getpid() = 95\n95 1.1 openat(AT_FDCWD</tmp>, "/etc/pas');
    expect(calls(p.events).map((e) => `${e.name}:${e.complete}`)).toEqual(['getpid:true', 'openat:false']);
    expect(p.warnings.join('\n')).toMatch(/truncated: the last line \(2\) is incomplete/);
    const q = parseStraceLog('95 1.0 getpid() = 95\n95 1.');
    expect(q.warnings.join('\n')).toMatch(/truncated/);
    expect(parseStraceLog('').events).toEqual([]);
  });

  it('keeps a resumed call whose start is missing', () => {
    const p = parseStraceLog(lines('99 1.0 <... read resumed>"x", 1) = 1'));
    expect(calls(p.events)).toMatchObject([{ name: 'read', args: '"x", 1', ret: '1' }]);
  });

  it('handles CRLF line ends', () => {
    const p = parseStraceLog('1 1.0 getpid() = 1\r\n1 1.1 +++ exited with 0 +++\r\n');
    expect(p.warnings).toEqual([]);
    expect(p.events.map((e) => e.kind)).toEqual(['process', 'syscall', 'exit']);
  });
});

describe('feedChunks', () => {
  const log =
    lines(
      '10 1.000001 execve("/bin/x", ["x"], 0x1 /* 1 var */) = 0',
      '10 1.000002 clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0} => {parent_tid=[11]}, 88) = 11',
      '10 1.000003 futex(0x1, FUTEX_WAIT, 11, NULL <unfinished ...>',
      '11 1.000004 openat(AT_FDCWD</tmp>, "a b", O_RDONLY <unfinished ...>\r',
      '',
      '10 1.000005 <... futex resumed>) = -1 EAGAIN (Resource temporarily unavailable)',
      '11 1.000006 <... openat resumed>) = 3</tmp/a b>',
      'not strace at all',
      '11 1.000008 +++ exited with 0 +++',
      '10 1.000009 exit_group(0) = ?',
    ) + '10 1.000010 +++ exited with';

  it('gives the events, warnings and times parseStraceLog gives, wherever the chunks are cut', () => {
    const whole = parseStraceLog(log);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: log.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), log.length];
        const events: TraceEvent[] = [];
        const parser = new StraceParser((e) => events.push(e));
        feedChunks(
          parser,
          at.slice(1).map((end, i) => log.slice(at[i], end)),
        );
        expect({ events, warnings: parser.finish(), firstTime: parser.firstTime, lastTime: parser.lastTime }).toEqual({
          events: whole.events,
          warnings: whole.warnings,
          firstTime: whole.firstTime,
          lastTime: whole.lastTime,
        });
      }),
      { numRuns: 300 },
    );
  });
});
