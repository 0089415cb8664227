// tracewall's bpftrace log → Recording: kernel-aggregated counts and argument facts, then the per-operation records
// replayed through the same RecordingBuilder as strace's events (process tree, files, execs, network, identity).
import path from 'node:path';
import type { Abi, Recording } from '../recording/types.js';
import type { SyscallEvent } from '../parse/events.js';
import type { Arg } from '../parse/args.js';
import { parseBpftraceLog, type BtRecord } from '../parse/bpftrace.js';
import { syscallName } from '../syscalls/index.js';
import os from 'node:os';
import { RecordingBuilder, type StraceMeta } from './from-strace.js';
import { callArgs, factArgs, fdPath, strArg, word, ipv6 } from './from-bpftrace-args.js';

/** What the builder needs besides the log (startAt is not used: the bpftrace program itself starts at the entrypoint). */
export type BpftraceMeta = Omit<StraceMeta, 'startAt' | 'tracer' | 'foreignArch'>;

// Calls whose relative path is resolved against the cwd (the kernel named it as the record's first path).
const CWD_RELATIVE = new Set([
  'stat',
  'lstat',
  'access',
  'chmod',
  'utime',
  'utimes',
  'chroot',
  'getxattr',
  'lgetxattr',
  'listxattr',
  'llistxattr',
  'setxattr',
  'lsetxattr',
  'removexattr',
  'lremovexattr',
  'statfs',
  'unlink',
  'rmdir',
  'mkdir',
  'readlink',
  'truncate',
  'umount2',
  'mount',
  'link',
  'symlink',
  'chown',
  'lchown',
  'mknod',
  'rename',
]);
const OPENS = new Set(['open', 'openat', 'openat2', 'creat']);
const GET_IDS = new Set(['getuid', 'geteuid', 'getgid', 'getegid']);

/** The name of a syscall number, or strace's placeholder for an unknown one. */
export function nameOfNumber(abi: Abi, nr: number): string {
  return syscallName(abi, nr) ?? `syscall_0x${nr.toString(16)}`;
}

function signalOf(n: number): string {
  for (const [name, v] of Object.entries(os.constants.signals)) if (v === n) return name;
  return `SIG${n}`;
}

function event(
  pid: number,
  time: string,
  nr: number,
  name: string,
  ret: string,
  errno = '',
  retDeco: string | null = null,
): SyscallEvent {
  return {
    kind: 'syscall',
    line: 0,
    pid,
    time,
    abi: 'x86_64',
    nr,
    name,
    args: '',
    ret,
    errno,
    retDeco,
    retHostPid: null,
    complete: true,
  };
}

/** Build the Recording of one tracewall bpftrace log. Deterministic: the same text gives the same Recording. */
export function recordingFromBpftrace(text: string, meta: BpftraceMeta): Recording {
  const log = parseBpftraceLog(text);
  const b = new RecordingBuilder({ ...meta, tracer: 'bpftrace' });
  const epoch = (ts: bigint): string => {
    if (!log.clock) return '';
    const us = log.clock.epochMicros + (ts - log.clock.ns) / 1000n;
    return `${us / 1000000n}.${String(us % 1000000n).padStart(6, '0')}`;
  };

  const fails = new Map(log.fails.map((f) => [`${f.abi}:${f.nr}`, f.count]));
  for (const c of log.calls) b.addCalls(c.abi, nameOfNumber(c.abi, c.nr), c.count, fails.get(`${c.abi}:${c.nr}`) ?? 0);

  let root: number | null = null;
  let attached = false;
  let first = '';
  let last = -1n;
  const execs = new Map<number, Extract<BtRecord, { k: 'exec' }>>();
  for (const r of log.records) {
    const time = epoch(r.ts);
    if (r.ts > last) last = r.ts;
    switch (r.k) {
      case 'app':
        if (root === null) {
          root = r.tid;
          first = time;
        }
        b.event({ kind: 'process', line: 0, pid: r.tid, time, ppid: null, exact: true });
        break;
      case 'fork':
        b.applyCall(event(r.tid, time, 56, 'clone', String(r.child)), factArgs('clone', [r.flags, 0n, 0n]), {
          argFacts: false,
        });
        b.event({ kind: 'process', line: 0, pid: r.child, time, ppid: r.tid, exact: true });
        break;
      case 'exec':
        execs.set(r.tid, r);
        break;
      case 'exec-failed':
        execs.delete(r.tid);
        break;
      case 'exec-ok': {
        const e = execs.get(r.oldTid);
        execs.delete(r.oldTid);
        if (r.oldTid !== r.tid) b.event({ kind: 'superseded', line: 0, pid: r.tid, time, by: r.oldTid });
        if (!e) break;
        const name = e.nr === 322 ? 'execveat' : 'execve';
        const argv: Arg = {
          key: null,
          value: { t: 'array', items: e.argv0 ? [{ key: null, value: strArg(e.argv0) }] : [] },
        };
        const args: Arg[] =
          name === 'execveat'
            ? [{ key: null, value: fdPath(e.dir) }, { key: null, value: strArg(e.filename) }, argv]
            : [{ key: null, value: strArg(e.filename) }, argv];
        const relative = !e.filename.text.startsWith('/');
        b.applyCall(event(r.tid, time, e.nr, name, '0'), args, {
          argFacts: false,
          ...(relative && e.dir && name === 'execve' ? { cwd: e.dir.text } : {}),
        });
        break;
      }
      case 'exit': {
        const sig = r.code & 0x7f;
        const end = (pid: number): void => {
          if (sig)
            b.event({ kind: 'killed', line: 0, pid, time, signal: signalOf(sig), coreDumped: (r.code & 0x80) !== 0 });
          else b.event({ kind: 'exit', line: 0, pid, time, code: (r.code >> 8) & 0xff });
        };
        end(r.tid);
        if (r.groupDead && r.tgid !== r.tid) end(r.tgid);
        break;
      }
      case 'call': {
        const name = nameOfNumber('x86_64', r.nr);
        const inProgress = name === 'connect' && r.ret === -115n;
        const isOpen = OPENS.has(name);
        const args = callArgs(name, r);
        let retDeco: string | null = null;
        if (isOpen && r.path1) {
          const tmpfile = (Number(r.a[0]) & 0o20200000) === 0o20200000;
          if (tmpfile)
            args[name === 'open' || name === 'creat' ? 0 : 1] = {
              key: null,
              value: strArg({
                text: path.posix.dirname(r.path1.text),
                invalidUtf8: r.path1.invalidUtf8,
                truncated: false,
              }),
            };
          else retDeco = r.path1.escaped;
        }
        const ev = event(
          r.tid,
          time,
          r.nr,
          name,
          inProgress ? '-1' : String(r.ret),
          inProgress ? 'EINPROGRESS' : '',
          retDeco,
        );
        const rel = r.str1 !== null && !r.str1.text.startsWith('/');
        const cwdPath = CWD_RELATIVE.has(name)
          ? ((rel ? r.path1 : null) ?? (name === 'rename' ? r.path2 : null))
          : null;
        b.applyCall(ev, args, { argFacts: false, ...(cwdPath ? { cwd: cwdPath.text } : {}) });
        break;
      }
      case 'running':
        attached = true;
        b.event({
          kind: 'process',
          line: 0,
          pid: r.tid,
          time,
          ppid: null,
          exact: false,
          exe: r.exe.text,
          creds: { euid: r.euid, egid: r.egid },
        });
        break;
      case 'blocked':
        // inside this call since before the probes attached (record --pid/--container): it is the application's too
        b.addCalls('x86_64', nameOfNumber('x86_64', r.nr), 1, 0);
        break;
      case 'listen': {
        const proto = r.family === 2 ? 'TCP' : r.family === 10 ? 'TCPv6' : 'UNIX';
        const bytes4 = [r.addr4 & 0xff, (r.addr4 >>> 8) & 0xff, (r.addr4 >>> 16) & 0xff, (r.addr4 >>> 24) & 0xff];
        const bytes6 = r.addr6.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
        const local =
          r.family === 2 ? `${bytes4.join('.')}:${r.port}` : r.family === 10 ? `[${ipv6(bytes6)}]:${r.port}` : null;
        const fd = {
          t: 'fd' as const,
          fd: String(r.fd),
          info: { kind: 'socket' as const, proto, local, remote: null, unixPath: null, invalidUtf8: false },
          deleted: false,
        };
        b.applyCall(
          event(r.tid, time, 50, 'listen', '0'),
          [
            { key: null, value: fd },
            { key: null, value: word('0') },
          ],
          { argFacts: false },
        );
        break;
      }
    }
  }
  const pid = root ?? 0;
  for (const f of log.argFacts) {
    const name = nameOfNumber('x86_64', f.nr);
    if (GET_IDS.has(name)) {
      if (f.ok) b.applyCall(event(pid, first, f.nr, name, String(f.values[0])), [], { argFacts: true });
      continue;
    }
    b.applyCall(event(pid, first, f.nr, name, f.ok ? '0' : '-1', f.ok ? '' : 'EPERM'), factArgs(name, f.values), {
      argFacts: true,
    });
  }
  const warnings = [...log.warnings];
  if (attached) {
    warnings.push(
      'attached to processes that were already running: what they did before (their start: exec, libraries, configuration) is not in this recording; merge it with a recording of their start (tracewall merge) before enforcing a profile',
    );
  }
  const cut = log.records.some(
    (r) =>
      (r.k === 'call' && (r.path1?.truncated || r.path2?.truncated || r.str1?.truncated || r.str2?.truncated)) ||
      (r.k === 'exec' && (r.filename.truncated || r.dir?.truncated)),
  );
  if (cut)
    warnings.push(
      'some paths were longer than the bpftrace tracer reads (512 bytes of a name given to a call, 48 directory levels): they are recorded cut short',
    );
  if (!log.ended && log.records.length > 0)
    warnings.push('bpftrace stopped before printing its counts: the syscall counts are missing from this recording');
  if (log.calls.some((c) => c.abi !== 'x86_64')) {
    warnings.push(
      '32-bit calls (i386/x32) were counted, but the bpftrace tracer reads no arguments of them: their files, execs and sockets are not in this recording (record with --tracer strace for those)',
    );
  }
  return b.finish({ warnings, firstTime: first, lastTime: last >= 0n ? epoch(last) : '' });
}
