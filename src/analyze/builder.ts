// Operations → Recording: follows the process tree (cwd, executable, credentials per process), keeps only the
// application's processes, and turns their operations into syscall, file, executable, network and identity facts. The
// same for every tracer: each tracer's adapter (src/parse/*-ops.ts) turns its output into the operations.
import type { Abi, Recording, Target, Termination, TracerName } from '../recording/types.js';
import { RECORDING_SCHEMA_VERSION } from '../recording/types.js';
import { normalizeRecording } from '../recording/normalize.js';
import type { CallOp, Effect, Op } from '../model/operations.js';
import { isKnownSyscall, placeholderNumber } from '../syscalls/index.js';
import { Facts, normalizeAbs, type Proc } from './builder-state.js';
import { argumentFacts } from './arg-facts.js';
import { applyEffect } from './effects.js';
import { pathOf, type CallContext } from './effects-files.js';
import { namespaceCap } from './effects-identity.js';
import { childOf, type CloneShares } from './clone-shares.js';

/** What the builder needs besides the operations. */
export interface RecordingMeta {
  name: string;
  toolVersion: string;
  tracerVersion: string;
  kernel: string;
  target: Target;
  initialCwd: string;
  initialUid: number;
  initialGid: number;
  /** What processes the trace did not see start run (a process attached to), for exec facts' parent. */
  initialExe?: string;
  /** Container mode: only the process whose first successful execve has exactly this argv, and what it creates after, is the application. */
  startAt?: { argv: string[] };
  /** The tracer that made the operations (strace when absent). */
  tracer?: TracerName;
}

const NAME_RE = /^[a-z_][a-z0-9_]*$/;

/** `1795935667.818957` → ISO-8601 UTC with milliseconds; "" when it is not an epoch timestamp. */
export function isoFromEpoch(t: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!m) return '';
  const ms = Number(m[1]) * 1000 + Number(((m[2] ?? '') + '000').slice(0, 3));
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** strace's `SIGRT_3` → `SIGRTMIN+3`; a bare number → `SIG<n>`: signal names the schema accepts. */
export function signalName(s: string): string {
  const rt = /^SIGRT_(\d+)$/.exec(s);
  if (rt) return `SIGRTMIN+${rt[1]}`;
  if (/^\d+$/.test(s)) return `SIG${s}`;
  return /^SIG[A-Z0-9+]+$/.test(s) ? s : 'SIGUNKNOWN';
}

function sameArgv(a: string[] | null, b: string[]): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Builds one Recording from operations fed in order. */
export class RecordingBuilder {
  private readonly facts = new Facts();
  private readonly procs = new Map<number, Proc>();
  /** Children created by a clone/fork whose first operation has not come yet, with the state they start with. */
  private readonly born = new Map<number, Proc>();
  private rootPid: number | null = null;
  private termination: Termination = { kind: 'unknown' };
  private appFirst = Infinity;
  private appLast = -Infinity;
  private appFirstText = '';
  private appLastText = '';
  /** Names already checked against the syscall table, per ABI. */
  private readonly checkedNames: Partial<Record<Abi, Set<string>>> = {};

  constructor(private readonly meta: RecordingMeta) {
    this.facts.uids.add(meta.initialUid);
    this.facts.gids.add(meta.initialGid);
  }

  private fresh(pid: number, app: boolean): Proc {
    return {
      pid,
      app,
      fs: { cwd: normalizeAbs(this.meta.initialCwd || '/'), root: '/' },
      exe: this.meta.initialExe ?? '',
      execed: false,
      creds: { euid: this.meta.initialUid, egid: this.meta.initialGid },
      bound: new Map(),
      maps: [],
    };
  }

  private noteTime(t: string): void {
    if (t === '') return;
    const n = Number(t);
    if (n < this.appFirst) {
      this.appFirst = n;
      this.appFirstText = t;
    }
    if (n > this.appLast) {
      this.appLast = n;
      this.appLastText = t;
    }
  }

  /** Take one operation. */
  op(o: Op): void {
    switch (o.op) {
      case 'call':
        return this.call(o);
      case 'task':
        return this.task(o);
      case 'cwd':
        this.proc(o.pid).fs.cwd = normalizeAbs(o.path);
        return;
      case 'exit':
      case 'killed':
        return this.ended(o);
      case 'superseded':
        this.procs.delete(o.by);
        return;
      case 'counts':
        return this.counts(o);
      case 'warning':
        this.facts.warn(o.text);
        return;
    }
  }

  private task(o: Extract<Op, { op: 'task' }>): void {
    const born = this.born.get(o.pid);
    this.born.delete(o.pid);
    let proc: Proc;
    if (born) proc = born;
    else if (o.ppid !== null && this.procs.has(o.ppid)) proc = childOf(this.procs.get(o.ppid)!, o.pid, NO_SHARES);
    else proc = this.fresh(o.pid, !this.meta.startAt);
    proc.pid = o.pid;
    if (o.exe !== undefined) proc.exe = o.exe;
    if (o.creds) {
      proc.creds = { ...o.creds };
      this.facts.uids.add(o.creds.euid);
      this.facts.gids.add(o.creds.egid);
    }
    this.procs.set(o.pid, proc);
    if (o.ppid === null && o.exact && this.rootPid === null && !this.meta.startAt) this.rootPid = o.pid;
  }

  private ended(o: Extract<Op, { op: 'exit' | 'killed' }>): void {
    const proc = this.procs.get(o.pid);
    if (proc?.app && this.meta.startAt) this.noteTime(o.time);
    if (o.pid === this.rootPid) {
      this.termination =
        o.op === 'exit'
          ? { kind: 'exit', code: Math.max(0, Math.min(255, o.code)) }
          : { kind: 'signal', signal: signalName(o.signal) };
    }
    this.procs.delete(o.pid);
  }

  private counts(o: Extract<Op, { op: 'counts' }>): void {
    if (!NAME_RE.test(o.name)) {
      this.facts.warn(`syscall name ${JSON.stringify(o.name)} is not a valid name; the call was skipped`);
      return;
    }
    this.facts.call(o.abi, o.name, false, o.count).failed += o.failed;
    this.checkName(o.abi, o.name);
  }

  private proc(pid: number): Proc {
    let p = this.procs.get(pid);
    if (!p) {
      p = this.fresh(pid, !this.meta.startAt);
      this.procs.set(pid, p);
    }
    return p;
  }

  private call(o: CallOp): void {
    const proc = this.proc(o.pid);
    if (!NAME_RE.test(o.name)) {
      if (proc.app) this.facts.warn(`syscall name ${JSON.stringify(o.name)} is not a valid name; the call was skipped`);
      return;
    }
    const e = o.effect;
    if (e?.kind === 'exec' && o.outcome.ok) this.exec(o, e, proc);
    if (proc.app) this.count(o, e);
    if (!e || !o.outcome.complete || e.kind === 'exec') return;
    const c: CallContext = {
      proc,
      ok: o.outcome.ok,
      facts: proc.app ? this.facts : null,
      ret: o.outcome.ret,
      name: o.name,
    };
    if (e.kind === 'clone') this.cloned(c, e);
    else applyEffect(c, e, o.outcome.errno);
  }

  /** Count an application call (unless its tracer counted it) and record its argument facts. */
  private count(o: CallOp, e: Effect | null): void {
    if (this.meta.startAt) this.noteTime(o.time);
    if (o.counted) {
      this.facts.call(o.abi, o.name, o.outcome.errno !== '');
      this.checkName(o.abi, o.name);
    }
    if (!e || !o.argFacts || !o.outcome.complete) return;
    const fact = this.facts.call(o.abi, o.name, false, 0);
    for (const [k, v] of argumentFacts(e)) if (v !== '') this.facts.arg(fact, k, v);
  }

  private checkName(abi: Abi, name: string): void {
    const seen = (this.checkedNames[abi] ??= new Set());
    if (seen.has(name)) return;
    seen.add(name);
    const nr = placeholderNumber(name);
    if (nr !== undefined) {
      this.facts.warn(`strace did not know syscall number ${nr} (0x${nr.toString(16)}) on ${abi}; recorded as ${name}`);
    } else if (!isKnownSyscall(abi, name)) {
      this.facts.warn(`syscall ${name} is not in tracewall's ${abi} syscall table; recorded by name`);
    }
  }

  private exec(o: CallOp, e: Extract<Effect, { kind: 'exec' }>, proc: Proc): void {
    const start = this.meta.startAt;
    if (start && !proc.app && !proc.execed && this.rootPid === null && sameArgv(e.argv, start.argv)) {
      proc.app = true;
      proc.fs = { cwd: normalizeAbs(this.meta.initialCwd || '/'), root: '/' };
      proc.exe = '';
      proc.creds = { euid: this.meta.initialUid, egid: this.meta.initialGid };
      proc.bound = new Map();
      this.rootPid = proc.pid;
    }
    proc.execed = true;
    const c: CallContext = { proc, ok: true, facts: proc.app ? this.facts : null, ret: null, name: o.name };
    const target = pathOf(c, e.where);
    if (proc.app && target !== null) {
      this.facts.file(target, 'exec');
      this.facts.exec({ path: target, argv0: e.argv0, parent: proc.exe });
    }
    if (target !== null) proc.exe = target;
    proc.maps = [];
  }

  private cloned(c: CallContext, e: Extract<Effect, { kind: 'clone' }>): void {
    namespaceCap(c, e.flags);
    const pid = e.child;
    if (!c.ok || pid === null || !Number.isSafeInteger(pid) || pid <= 0) return;
    // A child already seen was ordered by inference (no exact result named it): it keeps the state it started with.
    if (this.procs.has(pid)) return;
    this.born.set(pid, childOf(c.proc, pid, e.flags));
  }

  /** The Recording for everything fed so far. `parsed` carries the tracer's warnings and the first/last timestamps. */
  finish(parsed: { warnings: string[]; firstTime: string; lastTime: string }): Recording {
    const useApp = !!this.meta.startAt;
    // a container's times are its application's own where the calls carry times, else the run's
    const startedAt = isoFromEpoch(useApp && this.appFirstText ? this.appFirstText : parsed.firstTime);
    const endedAt = isoFromEpoch(useApp && this.appLastText ? this.appLastText : parsed.lastTime);
    const rec: Recording = {
      schemaVersion: RECORDING_SCHEMA_VERSION,
      name: this.meta.name,
      tool: { name: 'tracewall', version: this.meta.toolVersion },
      tracer: { name: this.meta.tracer ?? 'strace', version: this.meta.tracerVersion },
      kernel: this.meta.kernel,
      arch: 'x86_64',
      target: this.meta.target,
      startedAt,
      endedAt,
      termination: this.termination,
      warnings: [...parsed.warnings, ...this.facts.warnings],
      ...this.facts.recorded(),
    };
    return normalizeRecording(rec);
  }
}

const NO_SHARES: CloneShares = null;
