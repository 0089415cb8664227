// strace events → Recording: follows the process tree (cwd, executable, credentials per process), keeps only the
// application's processes, and turns their calls into syscall, file, executable, network and identity facts.
import type { Abi, Recording, Target, Termination } from '../recording/types.js';
import { RECORDING_SCHEMA_VERSION } from '../recording/types.js';
import { normalizeRecording } from '../recording/normalize.js';
import { badInput } from '../errors.js';
import type { SyscallEvent, TraceEvent } from '../parse/events.js';
import { parseArgs, asString, type Arg } from '../parse/args.js';
import { StraceParser, feedChunks } from '../parse/strace.js';
import { isKnownSyscall, placeholderNumber, syscallName, syscallNumber } from '../syscalls/index.js';
import { Facts, decoPath, normalizeAbs, type Proc } from './from-strace-state.js';
import { atPath, fileCall, type FileCall } from './from-strace-files.js';
import { netCall } from './from-strace-net.js';
import { argFacts, cloneFlags, identityCall, IDENTITY_CALLS } from './from-strace-facts.js';

/** What the builder needs besides the log. */
export interface StraceMeta {
  name: string;
  toolVersion: string;
  tracerVersion: string;
  kernel: string;
  target: Target;
  initialCwd: string;
  initialUid: number;
  initialGid: number;
  /** What processes the log did not see start run (a process attached to), for exec facts' parent. */
  initialExe?: string;
  /** Container mode: only the process whose first successful execve has exactly this argv, and what it creates after, is the application. */
  startAt?: { argv: string[] };
  /**
   * A 64-bit call whose number (-n) is not its name's number on x86_64 means the log was made on another architecture (or
   * is corrupt). 'warn' (default) records the call by the name strace printed and warns; 'refuse' throws an exit-2 error
   * naming the line (for logs given to `record --from-log`).
   */
  foreignArch?: 'warn' | 'refuse';
  /** The tracer that made the events (strace when absent). */
  tracer?: 'strace' | 'bpftrace';
}

/** How applyCall treats a call whose arguments the tracer decoded itself. */
export interface ApplyOptions {
  /** Record its argument facts (socket domain, clone flags, ...); off when the tracer aggregated them elsewhere. */
  argFacts: boolean;
  /** The process's working directory at the call, when the tracer knows it. */
  cwd?: string;
}

const CLONE_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);
const EXEC_CALLS = new Set(['execve', 'execveat']);
const ARG_FACT_CALLS = new Set([
  'socket',
  'socketpair',
  'clone',
  'clone3',
  'unshare',
  'setns',
  'prctl',
  'personality',
  'ioctl',
]);
const IDENTITY_ONLY = new Set([
  'setuid',
  'setuid32',
  'setreuid',
  'setreuid32',
  'setresuid',
  'setresuid32',
  'setfsuid',
  'setfsuid32',
  'setgid',
  'setgid32',
  'setregid',
  'setregid32',
  'setresgid',
  'setresgid32',
  'setfsgid',
  'setfsgid32',
  'setgroups',
  'setgroups32',
  'getuid',
  'geteuid',
  'getuid32',
  'geteuid32',
  'getgid',
  'getegid',
  'getgid32',
  'getegid32',
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'sethostname',
  'setdomainname',
  'ptrace',
]);
const FILE_OR_NET = new Set([
  'open',
  'openat',
  'openat2',
  'creat',
  'chdir',
  'fchdir',
  'chroot',
  'getdents',
  'getdents64',
  'mmap',
  'mmap2',
  'mprotect',
  'pkey_mprotect',
  'unlink',
  'unlinkat',
  'rmdir',
  'rename',
  'renameat',
  'renameat2',
  'mkdir',
  'mkdirat',
  'mknod',
  'mknodat',
  'link',
  'linkat',
  'symlink',
  'symlinkat',
  'flock',
  'fcntl',
  'fcntl64',
  'ftruncate',
  'ftruncate64',
  'fchmodat',
  'fchmodat2',
  'fchownat',
  'futimesat',
  'utimensat',
  'stat',
  'lstat',
  'stat64',
  'lstat64',
  'oldstat',
  'oldlstat',
  'access',
  'readlink',
  'getxattr',
  'lgetxattr',
  'listxattr',
  'llistxattr',
  'statfs',
  'statfs64',
  'truncate',
  'truncate64',
  'chmod',
  'chown',
  'lchown',
  'chown32',
  'lchown32',
  'utime',
  'utimes',
  'setxattr',
  'lsetxattr',
  'removexattr',
  'lremovexattr',
  'newfstatat',
  'fstatat64',
  'statx',
  'faccessat',
  'faccessat2',
  'readlinkat',
  'fchmod',
  'fchown',
  'fchown32',
  'fsetxattr',
  'fremovexattr',
  'socket',
  'socketpair',
  'bind',
  'connect',
  'sendto',
  'sendmsg',
  'listen',
]);
const NAME_RE = /^[a-z_][a-z0-9_]*$/;

// How many leading arguments the builder reads per call (the rest, often big structs and buffers, is not parsed).
const ARGS_NEEDED: Record<string, number> = {
  stat: 1,
  lstat: 1,
  stat64: 1,
  lstat64: 1,
  oldstat: 1,
  oldlstat: 1,
  access: 1,
  readlink: 1,
  getxattr: 1,
  lgetxattr: 1,
  listxattr: 1,
  llistxattr: 1,
  statfs: 1,
  statfs64: 1,
  chdir: 1,
  fchdir: 1,
  chroot: 1,
  getdents: 1,
  getdents64: 1,
  unlink: 1,
  rmdir: 1,
  mkdir: 1,
  flock: 1,
  ftruncate: 1,
  ftruncate64: 1,
  truncate: 1,
  truncate64: 1,
  chmod: 1,
  utime: 1,
  utimes: 1,
  setxattr: 1,
  lsetxattr: 1,
  removexattr: 1,
  lremovexattr: 1,
  fchmod: 1,
  fsetxattr: 1,
  fremovexattr: 1,
  newfstatat: 2,
  fstatat64: 2,
  statx: 2,
  faccessat: 2,
  faccessat2: 2,
  readlinkat: 2,
  unlinkat: 2,
  mkdirat: 2,
  fcntl: 2,
  fcntl64: 2,
  fchmodat: 2,
  fchmodat2: 2,
  futimesat: 2,
  utimensat: 2,
  rename: 2,
  link: 2,
  symlink: 2,
  mknod: 2,
  bind: 2,
  connect: 2,
  sendmsg: 2,
  listen: 1,
  ioctl: 2,
  prctl: 1,
  personality: 1,
  execve: 2,
  clone3: 1,
  open: 2,
  openat: 3,
  openat2: 3,
  creat: 1,
  mmap: 5,
  mmap2: 5,
  mprotect: 3,
  pkey_mprotect: 3,
  mknodat: 3,
  symlinkat: 3,
  execveat: 3,
  renameat: 4,
  renameat2: 4,
  linkat: 4,
  sendto: 5,
  socket: 3,
  socketpair: 3,
  unshare: 1,
  setns: 2,
};

/**
 * The syscall that was really made: strace names i386 socketcall/ipc subcalls after the subcall (`socket`), and -n gives
 * the number actually used, so the table's name for that number wins when the two disagree.
 */
export function realName(abi: Abi, name: string, nr: number | null): string {
  if (nr === null || placeholderNumber(name) !== undefined || syscallNumber(abi, name) === nr) return name;
  return syscallName(abi, nr) ?? (abi === 'x32' ? syscallName(abi, nr | 0x40000000) : undefined) ?? name;
}

/**
 * The x86_64 number of `name` when the log gave it another number: on x86_64 strace names every call after its number
 * (there are no multiplexers), so a disagreement means the log is not an x86_64 log. Trusting the number there would
 * turn, e.g., aarch64's nanosleep (101) into ptrace. Undefined when the two agree or cannot be compared.
 */
export function foreignNumber(abi: Abi, name: string, nr: number | null): number | undefined {
  if (abi !== 'x86_64' || nr === null || placeholderNumber(name) !== undefined) return undefined;
  const expected = syscallNumber(abi, name);
  return expected === undefined || expected === nr ? undefined : expected;
}

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

function argvOf(v: Arg | undefined): string[] | null {
  if (!v || v.value.t !== 'array') return null;
  const out: string[] = [];
  for (const item of v.value.items) {
    const s = asString(item.value);
    if (!s || s.truncated) return null;
    out.push(s.text);
  }
  return out;
}

// argv[0] even when strace truncated it.
function argv0Of(v: Arg | undefined): string {
  if (!v || v.value.t !== 'array') return '';
  return asString(v.value.items[0]?.value)?.text ?? '';
}

function sameArgv(a: string[] | null, b: string[]): boolean {
  return a !== null && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A call name's classification and table number on one ABI. */
interface CallInfo {
  /** The name has the shape of a syscall name (NAME_RE). */
  valid: boolean;
  exec: boolean;
  clone: boolean;
  fileOrNet: boolean;
  /** The builder reads its arguments whichever process made it. */
  needsArgs: boolean;
  /** An application call whose arguments are recorded as facts (ARG_FACT_CALLS). */
  argFacts: boolean;
  /** A call identityCall acts on (IDENTITY_CALLS); the path of one is worked out only for these. */
  identity: boolean;
  /** How many leading arguments to parse. */
  argsNeeded: number;
  /** strace's `syscall_0x...` name for a number it did not know. */
  placeholder: boolean;
  /** The name's number in the ABI's table. */
  nr: number | undefined;
}

/** Builds one Recording from parser events fed in order. */
export class RecordingBuilder {
  private readonly facts = new Facts();
  private readonly procs = new Map<number, Proc>();
  /** Children created by a clone/fork whose first event has not come yet, with the state they start with. */
  private readonly born = new Map<number, Proc>();
  private rootPid: number | null = null;
  private termination: Termination = { kind: 'unknown' };
  private appFirst = Infinity;
  private appLast = -Infinity;
  private appFirstText = '';
  private appLastText = '';
  /** What is known about each call name, per ABI (see callInfo). */
  private readonly callInfos: Partial<Record<Abi, Map<string, CallInfo>>> = {};
  /** Names already checked against the syscall table, per ABI. */
  private readonly checkedNames: Partial<Record<Abi, Set<string>>> = {};
  /** Calls whose x86_64 number disagreed with their name (see foreignNumber), and the first of them. */
  private foreign = 0;
  private foreignFirst = '';

  constructor(private readonly meta: StraceMeta) {
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

  private child(parent: Proc, pid: number, flags: Set<string>): Proc {
    const thread = flags.has('CLONE_THREAD');
    return {
      pid,
      app: parent.app,
      fs: flags.has('CLONE_FS') ? parent.fs : { ...parent.fs },
      exe: parent.exe,
      execed: thread ? parent.execed : false,
      creds: { ...parent.creds },
      bound: flags.has('CLONE_FILES') ? parent.bound : new Map(parent.bound),
      maps: flags.has('CLONE_VM') ? parent.maps : parent.maps.slice(),
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

  /** Take one event. */
  event(e: TraceEvent): void {
    switch (e.kind) {
      case 'process': {
        const born = this.born.get(e.pid);
        this.born.delete(e.pid);
        let proc: Proc;
        if (born) proc = born;
        else if (e.ppid !== null && this.procs.has(e.ppid))
          proc = this.child(this.procs.get(e.ppid)!, e.pid, new Set());
        else proc = this.fresh(e.pid, !this.meta.startAt);
        proc.pid = e.pid;
        if (e.exe !== undefined) proc.exe = e.exe;
        if (e.creds) {
          proc.creds = { ...e.creds };
          this.facts.uids.add(e.creds.euid);
          this.facts.gids.add(e.creds.egid);
        }
        this.procs.set(e.pid, proc);
        if (e.ppid === null && e.exact && this.rootPid === null && !this.meta.startAt) this.rootPid = e.pid;
        return;
      }
      case 'syscall':
        this.syscall(e);
        return;
      case 'exit':
      case 'killed': {
        const proc = this.procs.get(e.pid);
        if (proc?.app && this.meta.startAt) this.noteTime(e.time);
        if (e.pid === this.rootPid) {
          this.termination =
            e.kind === 'exit'
              ? { kind: 'exit', code: Math.max(0, Math.min(255, e.code)) }
              : { kind: 'signal', signal: signalName(e.signal) };
        }
        this.procs.delete(e.pid);
        return;
      }
      case 'superseded':
        this.procs.delete(e.by);
        return;
      case 'signal':
      case 'personality':
        return;
    }
  }

  private proc(pid: number): Proc {
    let p = this.procs.get(pid);
    if (!p) {
      p = this.fresh(pid, !this.meta.startAt);
      this.procs.set(pid, p);
    }
    return p;
  }

  /** What the builder needs to know about a call name on an ABI, worked out once per name. */
  private callInfo(abi: Abi, name: string): CallInfo {
    const byName = (this.callInfos[abi] ??= new Map());
    let info = byName.get(name);
    if (!info) {
      const exec = EXEC_CALLS.has(name);
      const clone = CLONE_CALLS.has(name);
      const fileOrNet = FILE_OR_NET.has(name);
      info = {
        valid: NAME_RE.test(name),
        exec,
        clone,
        fileOrNet,
        needsArgs: exec || clone || fileOrNet || IDENTITY_ONLY.has(name),
        argFacts: ARG_FACT_CALLS.has(name),
        identity: IDENTITY_CALLS.has(name),
        argsNeeded: ARGS_NEEDED[name] ?? Infinity,
        placeholder: placeholderNumber(name) !== undefined,
        nr: syscallNumber(abi, name),
      };
      byName.set(name, info);
    }
    return info;
  }

  private syscall(ev: SyscallEvent): void {
    const proc = this.proc(ev.pid);
    const name = ev.name;
    const info = this.callInfo(ev.abi, name);
    if (!info.valid) {
      if (proc.app) this.facts.warn(`syscall name ${JSON.stringify(name)} is not a valid name; the call was skipped`);
      return;
    }
    const ok = ev.complete && ev.errno === '' && ev.ret !== '?' && ev.ret !== '';
    const needArgs = ev.complete && (info.needsArgs || (proc.app && info.argFacts));
    const args: Arg[] = needArgs ? parseArgs(ev.args, info.argsNeeded) : [];

    if (info.exec && ok) this.exec(ev, args, proc);

    const facts = proc.app ? this.facts : null;
    if (proc.app) {
      if (this.meta.startAt) this.noteTime(ev.time);
      // When the number is the name's own (nearly always), foreignNumber has nothing to say and realName is the name.
      const agrees = ev.nr === null || info.placeholder || info.nr === ev.nr;
      const expected = agrees ? undefined : foreignNumber(ev.abi, name, ev.nr);
      if (expected !== undefined) this.noteForeign(ev, expected);
      const real = agrees || expected !== undefined ? name : realName(ev.abi, name, ev.nr);
      const fact = this.facts.call(ev.abi, real, ev.errno !== '');
      this.checkName(ev.abi, real);
      if (ev.complete && real === name && info.argFacts) argFacts(ev, args, fact, this.facts);
    }
    if (!needArgs) return;
    if (info.clone && ok) this.cloned(ev, args, proc);
    const c: FileCall = { ev, args, proc, ok, facts };
    if (info.fileOrNet && !fileCall(c)) netCall(ev, args, proc, ok, facts);
    if (info.identity) identityCall(ev, args, proc, ok, facts, facts && ok ? this.targetPath(c) : null);
  }

  /** Count calls a tracer aggregated itself (bpftrace's kernel maps): `count` calls of `name` on `abi`, `failed` of them failed. */
  addCalls(abi: Abi, name: string, count: number, failed: number): void {
    if (!NAME_RE.test(name)) {
      this.facts.warn(`syscall name ${JSON.stringify(name)} is not a valid name; the call was skipped`);
      return;
    }
    this.facts.call(abi, name, false, count).failed += failed;
    this.checkName(abi, name);
  }

  /**
   * Apply one call whose arguments the tracer decoded itself, without counting it (the tracer counted it): its effects on
   * the process tree, files, network and identity, as for a parsed strace line.
   */
  applyCall(ev: SyscallEvent, args: Arg[], opts: ApplyOptions): void {
    const name = ev.name;
    if (!NAME_RE.test(name)) return;
    const proc = this.proc(ev.pid);
    if (opts.cwd !== undefined) proc.fs.cwd = normalizeAbs(opts.cwd);
    const ok = ev.complete && ev.errno === '' && ev.ret !== '?' && ev.ret !== '';
    if (EXEC_CALLS.has(name) && ok) this.exec(ev, args, proc);
    const facts = proc.app ? this.facts : null;
    if (facts && opts.argFacts && ev.complete && ARG_FACT_CALLS.has(name))
      argFacts(ev, args, facts.call(ev.abi, name, false, 0), facts);
    if (!ev.complete) return;
    if (CLONE_CALLS.has(name) && ok) this.cloned(ev, args, proc);
    const c: FileCall = { ev, args, proc, ok, facts };
    if (FILE_OR_NET.has(name) && !fileCall(c)) netCall(ev, args, proc, ok, facts);
    identityCall(ev, args, proc, ok, facts, facts && ok ? this.targetPath(c) : null);
  }

  // The path a chown/mount-like call acts on, for capability reasons.
  private targetPath(c: FileCall): string | null {
    const v = (i: number) => c.args[i]?.value;
    switch (c.ev.name) {
      case 'chown':
      case 'lchown':
      case 'chown32':
      case 'lchown32':
      case 'umount':
      case 'umount2':
        return atPath(c, null, v(0));
      case 'fchownat':
        return atPath(c, v(0) ?? null, v(1));
      case 'fchown':
      case 'fchown32':
        return decoPath(c.proc, v(0));
      case 'mount':
        return atPath(c, null, v(1));
      default:
        return null;
    }
  }

  private noteForeign(ev: SyscallEvent, expected: number): void {
    const what = `line ${ev.line}: syscall ${ev.name} has number ${ev.nr} in the log, but ${expected} on x86_64`;
    if (this.meta.foreignArch === 'refuse') {
      throw badInput(
        `${what}: the log was not made on x86_64 (tracewall reads x86_64 strace logs made with -n) or is corrupt`,
      );
    }
    if (this.foreign++ === 0) this.foreignFirst = what;
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

  private exec(ev: SyscallEvent, args: Arg[], proc: Proc): void {
    const at = ev.name === 'execveat';
    const argv = argvOf(args[at ? 2 : 1]);
    const start = this.meta.startAt;
    if (start && !proc.app && !proc.execed && this.rootPid === null && sameArgv(argv, start.argv)) {
      proc.app = true;
      proc.fs = { cwd: normalizeAbs(this.meta.initialCwd || '/'), root: '/' };
      proc.exe = '';
      proc.creds = { euid: this.meta.initialUid, egid: this.meta.initialGid };
      proc.bound = new Map();
      this.rootPid = proc.pid;
    }
    proc.execed = true;
    const c: FileCall = { ev, args, proc, ok: true, facts: proc.app ? this.facts : null };
    const target = at ? atPath(c, args[0]?.value ?? null, args[1]?.value) : atPath(c, null, args[0]?.value);
    if (proc.app && target !== null) {
      this.facts.file(target, 'exec');
      this.facts.exec({ path: target, argv0: argv0Of(args[at ? 2 : 1]), parent: proc.exe });
    }
    if (target !== null) proc.exe = target;
    proc.maps = [];
  }

  private cloned(ev: SyscallEvent, args: Arg[], proc: Proc): void {
    const pid = ev.retHostPid ?? Number(ev.ret);
    if (!Number.isSafeInteger(pid) || pid <= 0) return;
    // A child already seen was ordered by inference (no exact result named it): it keeps the state it started with.
    if (this.procs.has(pid)) return;
    const flags = new Set((cloneFlags(ev.name, args) ?? '').split('|'));
    this.born.set(pid, this.child(proc, pid, flags));
  }

  /** The Recording for everything fed so far. `parsed` carries the parser's warnings and the log's first/last timestamps. */
  finish(parsed: { warnings: string[]; firstTime: string; lastTime: string }): Recording {
    const f = this.facts;
    const useApp = !!this.meta.startAt;
    // a container's times are its application's own where the calls carry times (-ttt logs), else the run's
    const startedAt = isoFromEpoch(useApp && this.appFirstText ? this.appFirstText : parsed.firstTime);
    const endedAt = isoFromEpoch(useApp && this.appLastText ? this.appLastText : parsed.lastTime);
    const syscalls: Recording['syscalls'] = {};
    for (const abi of Object.keys(f.syscalls) as Abi[]) {
      const m = f.syscalls[abi]!;
      const out: Record<string, { count: number; failed: number; args?: Record<string, string[]> }> = {};
      for (const [name, fact] of m) {
        const entry: { count: number; failed: number; args?: Record<string, string[]> } = {
          count: fact.count,
          failed: fact.failed,
        };
        if (fact.args.size > 0) entry.args = Object.fromEntries([...fact.args].map(([k, s]) => [k, [...s]]));
        out[name] = entry;
      }
      syscalls[abi] = out;
    }
    const files: Recording['files'] = {};
    for (const [p, s] of f.files) if (s.size > 0) files[p] = { access: [...s] };
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
      warnings: [
        ...parsed.warnings,
        ...f.warnings,
        ...(this.foreign > 0
          ? [
              `${this.foreign} call${this.foreign === 1 ? '' : 's'} had a syscall number that is not the x86_64 number of its name (first at ${this.foreignFirst}); the log may come from another architecture; recorded by the names strace printed`,
            ]
          : []),
      ],
      syscalls,
      files,
      executables: f.executables,
      network: { sockets: f.sockets, bind: f.bind, connect: f.connect, listen: f.listen },
      identity: {
        uids: [...f.uids].filter((n) => Number.isInteger(n) && n >= 0),
        gids: [...f.gids].filter((n) => Number.isInteger(n) && n >= 0),
        changes: [...f.changes],
        capabilities: [...f.caps].map(([name, reasons]) => ({ name, reasons: [...reasons] })),
      },
    };
    return normalizeRecording(rec);
  }
}

/** Build a Recording from log text delivered in pieces (a file read in chunks); pure apart from iterating. */
export function recordingFromStraceChunks(chunks: Iterable<string>, meta: StraceMeta): Recording {
  const builder = new RecordingBuilder(meta);
  const parser = new StraceParser((e) => builder.event(e));
  feedChunks(parser, chunks);
  const warnings = parser.finish();
  return builder.finish({ warnings, firstTime: parser.firstTime, lastTime: parser.lastTime });
}

/** Build the Recording of one strace log (`-f -ttt -yy` output). Deterministic: the same text gives the same Recording. */
export function recordingFromStrace(text: string, meta: StraceMeta): Recording {
  return recordingFromStraceChunks([text], meta);
}
