// The typed, tracer-neutral operations between the tracers and the Recording builder. Every tracer has one adapter
// that turns its output into these (src/parse/*-ops.ts); the builder (src/analyze/builder.ts) turns them into a
// Recording. Values stay numbers here; the Recording writer names them (src/syscalls/values.ts).
import type { Abi, FileAccess } from '../recording/types.js';
import type { BigSym, Sym } from '../syscalls/values.js';

/** A string argument as the process passed it. */
export interface StrArg {
  text: string;
  /** Bytes that are not UTF-8 were replaced by U+FFFD in `text`. */
  invalidUtf8: boolean;
}

/** The file an fd refers to, as the tracer named it (an absolute path in the tracer's view). */
export interface FileRef {
  path: string;
  invalidUtf8: boolean;
}

/** What a relative path starts from: the process's working directory, or a directory fd the tracer named. */
export type Dir =
  | { at: 'cwd' }
  /** `file` null: an fd the tracer could not name. `isCwd`: the fd was AT_FDCWD, so `file` is the working directory. */
  | { at: 'fd'; file: FileRef | null; isCwd: boolean };

/** A path argument and what it is relative to; `path` null when the tracer could not read it. */
export interface PathTarget {
  path: StrArg | null;
  dir: Dir;
}

/** A socket address (bind, connect, sendto, listen). */
export interface Endpoint {
  family: Sym;
  /** IP address, unix socket path (`@name` for the abstract namespace), or "" where none applies. */
  address: string;
  /** Port for inet families, 0 otherwise. */
  port: number;
}

/** An fd argument: its number (the key a process's fd table uses), and what the tracer knew it refers to. */
export interface FdRef {
  key: string | null;
  file: FileRef | null;
  /** A socket fd: its family and, where the tracer showed it, the local address. */
  socket: { family: Sym | null; local: Endpoint | null } | null;
}

/** Where a call acts: a path, or an fd's file. */
export type Where = { path: PathTarget } | { fd: FdRef };

/** What a call did that the Recording records; one variant per `EffectKind` of src/syscalls/semantics.ts. */
export type Effect =
  | { kind: 'file'; access: readonly FileAccess[]; where: Where | null; dir: boolean }
  /** open/openat/openat2/creat; `opened`: the file the returned fd refers to, when the tracer named it. */
  | { kind: 'open'; where: PathTarget | null; flags: number; opened: FileRef | null }
  | { kind: 'rename'; from: PathTarget; to: PathTarget }
  | { kind: 'mknod'; where: PathTarget; mode: number }
  | { kind: 'chdir'; where: Where }
  | { kind: 'chroot'; where: PathTarget }
  | { kind: 'mmap'; file: FileRef | null; prot: number; len: bigint | null; addr: bigint | null }
  | { kind: 'mprotect'; addr: bigint | null; prot: number }
  /** `argv` null when the tracer did not read it whole; `argv0` is what it read of argv[0]. */
  | { kind: 'exec'; where: PathTarget; argv: string[] | null; argv0: string }
  /** `flags` without clone(2)'s exit signal; `child`: the new task's pid in the tracer's namespace. */
  | { kind: 'clone'; flags: BigSym | null; child: number | null }
  | { kind: 'socket'; family: Sym; type: Sym; protocol: Sym }
  | { kind: 'bind'; fd: FdRef; addr: Endpoint | null }
  /** connect, and sendto/sendmsg with an address (`viaSend`: no unix socket file is written by those). */
  | { kind: 'connect'; addr: Endpoint | null; viaSend: boolean }
  | { kind: 'listen'; fd: FdRef }
  /** set*id: `call` is the name without its 32-bit suffix (`setresuid`); ids in argument order, 0xffffffff = -1. */
  | { kind: 'setid'; call: string; id: 'uid' | 'gid'; ids: Sym[] }
  | { kind: 'getid'; id: 'uid' | 'gid' }
  | { kind: 'setgroups'; count: Sym; gids: number[] }
  | { kind: 'chown'; call: string; where: Where | null; uid: Sym; gid: Sym }
  | { kind: 'mount'; where: PathTarget | null }
  | { kind: 'umount'; call: string; where: PathTarget | null }
  | { kind: 'pivot_root'; paths: Array<string | null> }
  | { kind: 'hostname'; call: string }
  | { kind: 'setns'; nstype: Sym }
  | { kind: 'unshare'; flags: BigSym }
  | { kind: 'ptrace'; request: Sym; pid: Sym }
  | { kind: 'prctl'; option: Sym }
  | { kind: 'personality'; persona: Sym }
  | { kind: 'ioctl'; request: Sym };

/** How a call ended. */
export interface Outcome {
  /** The call returned: false when the process ended (or the log stopped) inside it. */
  complete: boolean;
  /** It succeeded (no error, a real return value). */
  ok: boolean;
  /** The error name (ENOENT, EINPROGRESS, ...), "" when none or unknown. */
  errno: string;
  /** The return value as a number where it is one (a pid, an id, an address), else null. */
  ret: bigint | null;
}

/** One system call of one task. */
export interface CallOp {
  op: 'call';
  pid: number;
  /** The tracer's time of the call (epoch seconds as text, "" when unknown). */
  time: string;
  abi: Abi;
  /** The name the call is counted under (the real call: `socketcall` for an i386 socket subcall). */
  name: string;
  /** Whether the builder counts it (false when the tracer counted calls itself). */
  counted: boolean;
  /** Whether its argument facts are recorded (false for a subcall counted under its multiplexer). */
  argFacts: boolean;
  outcome: Outcome;
  effect: Effect | null;
}

/** Anything a tracer reports, in order. */
export type Op =
  | CallOp
  /** A task seen first; `ppid` its creator (null: a root, or unknown). `exact` false when the parent was inferred. */
  | {
      op: 'task';
      pid: number;
      time: string;
      ppid: number | null;
      exact: boolean;
      /** A task that was running before the trace began (attach): what it ran and as whom. */
      exe?: string;
      creds?: { euid: number; egid: number };
    }
  /** The task's working directory, as the tracer learnt it (before the call that showed it). */
  | { op: 'cwd'; pid: number; path: string }
  | { op: 'exit'; pid: number; time: string; code: number }
  | { op: 'killed'; pid: number; time: string; signal: string }
  /** Thread `by` ran execve and now goes on as `pid` (the leader). */
  | { op: 'superseded'; pid: number; by: number }
  /** Calls a tracer counted itself (kernel maps): `count` of `name` on `abi`, `failed` of them failed. */
  | { op: 'counts'; abi: Abi; name: string; count: number; failed: number }
  | { op: 'warning'; text: string };
