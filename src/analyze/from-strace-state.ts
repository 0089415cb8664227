// What the strace → Recording builder keeps while it reads events: per-process state and the facts gathered so far.
import path from 'node:path';
import type { Abi, EndpointFact, ExecFact, FileAccess, SocketFact } from '../recording/types.js';
import type { ArgValue } from '../parse/args.js';
import { codeAt } from '../parse/chars.js';
import { detached } from '../util/strings.js';

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

/**
 * Facts gathered for the recording (only from application processes). Lists hold each fact once (the Recording's normal
 * form would drop repeats anyway), and what is kept is detached from the log text, so memory follows the number of
 * distinct facts, not the length of the log.
 */
export class Facts {
  readonly syscalls: Partial<
    Record<Abi, Map<string, { count: number; failed: number; args: Map<string, Set<string>> }>>
  > = {};
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
  /** Where each list entry is, by the key normalizeRecording deduplicates it by, per list. */
  private readonly listed = new Map<unknown[], Map<string, number>>();

  /** Count `n` calls (one by default) of `name` on `abi`; `failed` says they all failed. */
  call(
    abi: Abi,
    name: string,
    failed: boolean,
    n = 1,
  ): { count: number; failed: number; args: Map<string, Set<string>> } {
    const m = (this.syscalls[abi] ??= new Map());
    let f = m.get(name);
    if (!f) {
      f = { count: 0, failed: 0, args: new Map() };
      m.set(detached(name), f);
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
      fact.args.set(detached(key), s);
    }
    addDetached(s, value);
  }

  /** Add accesses to an absolute path (relative or empty paths are ignored). */
  file(p: string, ...access: FileAccess[]): void {
    if (!p.startsWith('/')) return;
    let s = this.files.get(p);
    if (!s) {
      s = new Set();
      this.files.set(detached(p), s);
    }
    for (const a of access) s.add(a);
  }

  /** Note a program that was executed. */
  exec(e: ExecFact): void {
    this.listOnce(this.executables, `${e.path}\0${e.argv0}\0${e.parent}`, e, () => ({
      path: detached(e.path),
      argv0: detached(e.argv0),
      parent: detached(e.parent),
    }));
  }

  /** Note a socket that was created. */
  socket(s: SocketFact): void {
    this.listOnce(this.sockets, `${s.family}\0${s.type}\0${s.protocol}`, s, () => ({
      family: detached(s.family),
      type: detached(s.type),
      protocol: detached(s.protocol),
    }));
  }

  /** Note an endpoint in one of the bind/connect/listen lists. */
  endpoint(list: EndpointFact[], ep: EndpointFact): void {
    this.listOnce(list, `${ep.family}\0${ep.address}\0${ep.port}`, ep, () => ({
      family: detached(ep.family),
      address: detached(ep.address),
      port: ep.port,
    }));
  }

  /** Note an identity change (`setuid(0)`, ...). */
  change(text: string): void {
    addDetached(this.changes, text);
  }

  /** Note a capability the observed operations imply, with why. */
  cap(name: string, reason: string): void {
    let s = this.caps.get(name);
    if (!s) {
      s = new Set();
      this.caps.set(detached(name), s);
    }
    addDetached(s, reason);
  }

  /** Add a warning (duplicates collapse). */
  warn(text: string): void {
    addDetached(this.warnings, text);
  }

  /**
   * Put `item` (as `copy()` makes it) in `list` unless an equal one is there. The key is the one normalizeRecording
   * deduplicates by; where two different items share it (fields holding NUL), the later one replaces the earlier, as there.
   */
  private listOnce<T extends object>(list: T[], key: string, item: T, copy: () => T): void {
    let index = this.listed.get(list);
    if (!index) {
      index = new Map();
      this.listed.set(list, index);
    }
    const at = index.get(key);
    if (at === undefined) {
      index.set(detached(key), list.length);
      list.push(copy());
      return;
    }
    const old = list[at] as Record<string, unknown>;
    if (Object.entries(item).some(([k, v]) => old[k] !== v)) list[at] = copy();
  }
}

function addDetached(set: Set<string>, value: string): void {
  if (!set.has(value)) set.add(detached(value));
}

/** Lexically normalised absolute path (no `.`/`..`, no trailing slash except `/`). */
export function normalizeAbs(p: string): string {
  // Most paths are already normal: absolute, no `//`, no `.`/`..` segment, no trailing slash.
  if (
    codeAt(p, 0) === 47 &&
    !p.includes('//') &&
    !p.includes('/.') &&
    (p.length === 1 || codeAt(p, p.length - 1) !== 47)
  )
    return p;
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
