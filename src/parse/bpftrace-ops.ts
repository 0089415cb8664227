// The bpftrace adapter: tracewall's bpftrace log (parsed by src/parse/bpftrace.ts) → the typed operations of
// src/model/operations.ts. Kernel-aggregated counts and argument facts become counts and uncounted calls; the
// per-operation records become calls with their effects, in time order.
import os from 'node:os';
import type { Abi } from '../recording/types.js';
import type { CallOp, Effect, Op, Outcome } from '../model/operations.js';
import { syscallName } from '../syscalls/index.js';
import { SYSCALL_SEMANTICS, semanticsOf, type SemanticsTable } from '../syscalls/semantics.js';
import type { BpftraceLog, BtArgFact, BtRecord } from './bpftrace.js';
import { bpftraceEffect, cwdOf, ipv6 } from './bpftrace-effects.js';

/** The name of a syscall number, or strace's placeholder for an unknown one. */
export function nameOfNumber(abi: Abi, nr: number): string {
  return syscallName(abi, nr) ?? `syscall_0x${nr.toString(16)}`;
}

function signalOf(n: number): string {
  for (const [name, v] of Object.entries(os.constants.signals)) if (v === n) return name;
  return `SIG${n}`;
}

const OK: Outcome = { complete: true, ok: true, errno: '', ret: 0n };

function call(pid: number, time: string, name: string, effect: Effect | null, outcome: Outcome = OK): CallOp {
  return { op: 'call', pid, time, abi: 'x86_64', name, counted: false, argFacts: false, outcome, effect };
}

const int = (v: bigint): number => Number(BigInt.asIntN(32, v));
const GET_IDS = new Set(['getuid', 'geteuid', 'getgid', 'getegid']);

/** An aggregated argument fact (@af) as an uncounted call whose argument facts are recorded. */
function argFactCall(f: BtArgFact, pid: number, time: string): CallOp | null {
  const name = nameOfNumber('x86_64', f.nr);
  const x = (i: 0 | 1 | 2): number => int(f.values[i]);
  const u64 = BigInt.asUintN(64, f.values[0]);
  if (GET_IDS.has(name)) {
    if (!f.ok) return null;
    const effect: Effect = { kind: 'getid', id: name.includes('gid') ? 'gid' : 'uid' };
    return { ...call(pid, time, name, effect, { ...OK, ret: f.values[0] }), argFacts: true };
  }
  const effects: Record<string, () => Effect> = {
    socket: () => ({ kind: 'socket', family: x(0), type: x(1), protocol: x(2) }),
    socketpair: () => ({ kind: 'socket', family: x(0), type: x(1), protocol: x(2) }),
    clone: () => ({ kind: 'clone', flags: u64 & ~0xffn, child: 0 }),
    clone3: () => ({ kind: 'clone', flags: u64, child: 0 }),
    unshare: () => ({ kind: 'unshare', flags: u64 }),
    setns: () => ({ kind: 'setns', nstype: x(0) }),
    prctl: () => ({ kind: 'prctl', option: x(0) }),
    personality: () => ({ kind: 'personality', persona: x(0) }),
    ioctl: () => ({ kind: 'ioctl', request: x(0) }),
  };
  const make = effects[name];
  if (!make) return null;
  const outcome: Outcome = f.ok ? OK : { complete: true, ok: false, errno: 'EPERM', ret: -1n };
  return { ...call(pid, time, name, make(), outcome), argFacts: true };
}

/** What the adapter reports besides the operations: the run's first and last times, and the log's warnings. */
export interface BpftraceOpsResult {
  firstTime: string;
  lastTime: string;
  warnings: string[];
}

/** Turns one parsed bpftrace log into operations, in order. */
export function bpftraceOps(
  log: BpftraceLog,
  emit: (o: Op) => void,
  table: SemanticsTable = SYSCALL_SEMANTICS,
  tracer: 'bpftrace' | 'ebpf' = 'bpftrace',
) {
  const walk = new RecordWalk(log, emit, table);
  for (const c of log.calls) {
    const failed = log.fails.find((f) => f.abi === c.abi && f.nr === c.nr)?.count ?? 0;
    emit({ op: 'counts', abi: c.abi, name: nameOfNumber(c.abi, c.nr), count: c.count, failed });
  }
  for (const r of log.records) walk.record(r);
  const pid = walk.root ?? 0;
  for (const f of log.argFacts) {
    const op = argFactCall(f, pid, walk.first);
    if (op) emit(op);
  }
  return { firstTime: walk.first, lastTime: walk.lastTime(), warnings: logWarnings(log, walk.attached, tracer) };
}

/** Walks the time-ordered records, keeping what later records refer to (the root, pending execs). */
class RecordWalk {
  root: number | null = null;
  first = '';
  attached = false;
  private last = -1n;
  private readonly execs = new Map<number, Extract<BtRecord, { k: 'exec' }>>();

  constructor(
    private readonly log: BpftraceLog,
    private readonly emit: (o: Op) => void,
    private readonly table: SemanticsTable,
  ) {}

  /** CLOCK_MONOTONIC nanoseconds → epoch seconds as text (the T line pairs the two clocks). */
  epoch(ts: bigint): string {
    const clock = this.log.clock;
    if (!clock) return '';
    const us = clock.epochMicros + (ts - clock.ns) / 1000n;
    return `${us / 1000000n}.${String(us % 1000000n).padStart(6, '0')}`;
  }

  lastTime(): string {
    return this.last >= 0n ? this.epoch(this.last) : '';
  }

  record(r: BtRecord): void {
    const time = this.epoch(r.ts);
    if (r.ts > this.last) this.last = r.ts;
    switch (r.k) {
      case 'app':
        if (this.root === null) {
          this.root = r.tid;
          this.first = time;
        }
        return this.emit({ op: 'task', pid: r.tid, time, ppid: null, exact: true });
      case 'fork':
        this.emit(call(r.tid, time, 'clone', { kind: 'clone', flags: r.flags & ~0xffn, child: r.child }));
        return this.emit({ op: 'task', pid: r.child, time, ppid: r.tid, exact: true });
      case 'exec':
        this.execs.set(r.tid, r);
        return;
      case 'exec-failed':
        this.execs.delete(r.tid);
        return;
      case 'exec-ok':
        return this.execOk(r, time);
      case 'exit':
        return this.exit(r, time);
      case 'call':
        return this.call(r, time);
      case 'running':
        this.attached = true;
        return this.emit({
          op: 'task',
          pid: r.tid,
          time,
          ppid: null,
          exact: false,
          exe: r.exe.text,
          creds: { euid: r.euid, egid: r.egid },
        });
      case 'blocked':
        // inside this call since before the probes attached (record --pid/--container): it is the application's too
        return this.emit({ op: 'counts', abi: 'x86_64', name: nameOfNumber('x86_64', r.nr), count: 1, failed: 0 });
      case 'listen':
        return this.emit(call(r.tid, time, 'listen', listenEffect(r)));
    }
  }

  private execOk(r: Extract<BtRecord, { k: 'exec-ok' }>, time: string): void {
    const e = this.execs.get(r.oldTid);
    this.execs.delete(r.oldTid);
    if (r.oldTid !== r.tid) this.emit({ op: 'superseded', pid: r.tid, by: r.oldTid });
    if (!e) return;
    const at = e.nr === 322;
    const filename = { text: e.filename.text, invalidUtf8: e.filename.invalidUtf8 };
    const argv0 = e.argv0?.text ?? '';
    const argv = e.argv0 ? (e.argv0.truncated ? null : [e.argv0.text]) : [];
    if (!at && !filename.text.startsWith('/') && e.dir) this.emit({ op: 'cwd', pid: r.tid, path: e.dir.text });
    const dir = at
      ? { at: 'fd' as const, file: e.dir ? { path: e.dir.text, invalidUtf8: e.dir.invalidUtf8 } : null, isCwd: false }
      : { at: 'cwd' as const };
    const effect: Effect = { kind: 'exec', where: { path: filename, dir }, argv, argv0 };
    this.emit(call(r.tid, time, at ? 'execveat' : 'execve', effect));
  }

  private exit(r: Extract<BtRecord, { k: 'exit' }>, time: string): void {
    const sig = r.code & 0x7f;
    const end = (pid: number): void => {
      if (sig) this.emit({ op: 'killed', pid, time, signal: signalOf(sig) });
      else this.emit({ op: 'exit', pid, time, code: (r.code >> 8) & 0xff });
    };
    end(r.tid);
    if (r.groupDead && r.tgid !== r.tid) end(r.tgid);
  }

  private call(r: Extract<BtRecord, { k: 'call' }>, time: string): void {
    const name = nameOfNumber('x86_64', r.nr);
    const s = semanticsOf(name, this.table);
    if (!s) return;
    const cwd = cwdOf(s, r);
    if (cwd !== null) this.emit({ op: 'cwd', pid: r.tid, path: cwd });
    const inProgress = name === 'connect' && r.ret === -115n;
    const outcome: Outcome = inProgress
      ? { complete: true, ok: false, errno: 'EINPROGRESS', ret: -1n }
      : { ...OK, ret: r.ret };
    this.emit(call(r.tid, time, name, bpftraceEffect(s, r, name), outcome));
  }
}

function listenEffect(r: Extract<BtRecord, { k: 'listen' }>): Effect {
  const family = r.family === 2 || r.family === 10 ? r.family : 1;
  const bytes4 = [r.addr4 & 0xff, (r.addr4 >>> 8) & 0xff, (r.addr4 >>> 16) & 0xff, (r.addr4 >>> 24) & 0xff];
  const bytes6 = r.addr6.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff]);
  const address = family === 2 ? bytes4.join('.') : family === 10 ? ipv6(bytes6) : null;
  const local = address === null ? null : { family, address, port: r.port };
  return { kind: 'listen', fd: { key: String(r.fd), file: null, socket: { family, local } } };
}

/** The warnings a log itself calls for: attached mid-run, cut paths, a missing end, unread 32-bit arguments. */
function logWarnings(log: BpftraceLog, attached: boolean, tracer: 'bpftrace' | 'ebpf'): string[] {
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
      `some paths were longer than the ${tracer} tracer reads (512 bytes of a name given to a call, 48 directory levels): they are recorded cut short`,
    );
  if (!log.ended && log.records.length > 0)
    warnings.push(`${tracer} stopped before printing its counts: the syscall counts are missing from this recording`);
  if (log.calls.some((c) => c.abi !== 'x86_64')) {
    warnings.push(
      `32-bit calls (i386/x32) were counted, but the ${tracer} tracer reads no arguments of them: their files, execs and sockets are not in this recording (record with --tracer strace for those)`,
    );
  }
  return warnings;
}
