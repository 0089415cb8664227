// What the strace → Recording builder keeps while it reads events: per-process state and the facts gathered so far.
import path from 'node:path';
import type { Abi, EndpointFact, ExecFact, FileAccess, SocketFact } from '../recording/types.js';
import type { ArgValue } from '../parse/args.js';

/** A file mapping of a process, so that mprotect(PROT_EXEC) can name the file. */
export interface Mapping {
  start: bigint;
  end: bigint;
  path: string;
}

/** One traced process (or thread) as the builder sees it. Shared parts are shared objects, as clone flags share them. */
export interface Proc {
  pid: number;
  /** True when its activity belongs to the recording. */
  app: boolean;
  /** Working directory and root (chroot) as absolute paths; shared between CLONE_FS threads. */
  fs: { cwd: string; root: string };
  /** Executable it runs now, "" before its first execve. */
  exe: string;
  /** True after its first successful execve. */
  execed: boolean;
  creds: { euid: number; egid: number };
  /** fd → address the socket was bound to; shared between CLONE_FILES threads. */
  bound: Map<string, EndpointFact>;
  /** File mappings; shared between CLONE_VM threads. */
  maps: Mapping[];
}

/** Facts gathered for the recording (only from application processes). */
export class Facts {
  readonly syscalls: Partial<Record<Abi, Map<string, { count: number; failed: number; args: Map<string, Set<string>> }>>> = {};
  readonly files = new Map<string, Set<FileAccess>>();
  readonly executables: ExecFact[] = [];
  readonly sockets: SocketFact[] = [];
  readonly bind: EndpointFact[] = [];
  readonly connect: EndpointFact[] = [];
  readonly listen: EndpointFact[] = [];
  readonly uids = new Set<number>();
  readonly gids = new Set<number>();
  readonly changes = new Set<string>();
  readonly caps = new Map<string, Set<string>>();
  readonly warnings = new Set<string>();

  /** Count `n` calls (one by default) of `name` on `abi`; `failed` says they all failed. */
  call(abi: Abi, name: string, failed: boolean, n = 1): { count: number; failed: number; args: Map<string, Set<string>> } {
    const m = (this.syscalls[abi] ??= new Map());
    let f = m.get(name);
    if (!f) {
      f = { count: 0, failed: 0, args: new Map() };
      m.set(name, f);
    }
    f.count += n;
    if (failed) f.failed += n;
    return f;
  }

  /** Remember an argument value of a call. */
  arg(fact: { args: Map<string, Set<string>> }, key: string, value: string): void {
    let s = fact.args.get(key);
    if (!s) {
      s = new Set();
      fact.args.set(key, s);
    }
    s.add(value);
  }

  /** Add accesses to an absolute path (relative or empty paths are ignored). */
  file(p: string, ...access: FileAccess[]): void {
    if (!p.startsWith('/')) return;
    let s = this.files.get(p);
    if (!s) {
      s = new Set();
      this.files.set(p, s);
    }
    for (const a of access) s.add(a);
  }

  /** Note a capability the observed operations imply, with why. */
  cap(name: string, reason: string): void {
    let s = this.caps.get(name);
    if (!s) {
      s = new Set();
      this.caps.set(name, s);
    }
    s.add(reason);
  }

  /** Add a warning (duplicates collapse). */
  warn(text: string): void {
    this.warnings.add(text);
  }
}

/** Lexically normalised absolute path (no `.`/`..`, no trailing slash except `/`). */
export function normalizeAbs(p: string): string {
  // Most paths are already normal: absolute, no `//`, no `.`/`..` segment, no trailing slash.
  if (p.charCodeAt(0) === 47 && !p.includes('//') && !p.includes('/.') && (p.length === 1 || p.charCodeAt(p.length - 1) !== 47)) return p;
  const n = path.posix.normalize(p.startsWith('/') ? p : '/' + p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** `p` as the process names it, resolved against `base` (a directory) and its root. */
export function resolveIn(proc: Proc, base: string, p: string): string {
  if (p.startsWith('/')) return normalizeAbs(proc.fs.root === '/' ? p : proc.fs.root + '/' + p);
  return normalizeAbs(base + '/' + p);
}

/** The path a -yy decoration names, in the process's view; null for sockets, pipes, memfds and other non-files. */
export function decoPath(proc: Proc, v: ArgValue | undefined): string | null {
  if (!v || v.t !== 'fd' || v.info.kind !== 'path') return null;
  const p = v.info.path;
  if (p.startsWith('/memfd:') || !p.startsWith('/')) return null;
  return normalizeAbs(p);
}

/** True when the decoration's path had bytes that are not UTF-8. */
export function decoInvalid(v: ArgValue | undefined): boolean {
  return !!v && v.t === 'fd' && v.info.kind === 'path' && v.info.invalidUtf8;
}
