// What the Recording builder keeps while it reads operations: per-process state, the facts gathered so far, and how
// a path an operation names is resolved in a process's view.
import path from 'node:path';
import type {
  Abi,
  EndpointFact,
  ExecFact,
  FileAccess,
  Recording,
  SocketFact,
  SyscallFact,
} from '../recording/types.js';
import type { Dir, FileRef, PathTarget } from '../model/operations.js';
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

  /** The facts as the parts of a Recording (before its normal form). */
  recorded(): Pick<Recording, 'syscalls' | 'files' | 'executables' | 'network' | 'identity'> {
    const syscalls: Recording['syscalls'] = {};
    for (const abi of Object.keys(this.syscalls) as Abi[]) {
      const out: Record<string, SyscallFact> = {};
      for (const [name, fact] of this.syscalls[abi]!) {
        const entry: SyscallFact = { count: fact.count, failed: fact.failed };
        if (fact.args.size > 0) entry.args = Object.fromEntries([...fact.args].map(([k, v]) => [k, [...v]]));
        out[name] = entry;
      }
      syscalls[abi] = out;
    }
    const files: Recording['files'] = {};
    for (const [p, s] of this.files) if (s.size > 0) files[p] = { access: [...s] };
    return {
      syscalls,
      files,
      executables: this.executables,
      network: { sockets: this.sockets, bind: this.bind, connect: this.connect, listen: this.listen },
      identity: {
        uids: [...this.uids].filter((n) => Number.isInteger(n) && n >= 0),
        gids: [...this.gids].filter((n) => Number.isInteger(n) && n >= 0),
        changes: [...this.changes],
        capabilities: [...this.caps].map(([name, reasons]) => ({ name, reasons: [...reasons] })),
      },
    };
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

/** The absolute path of a file the tracer named, normalised; null for memfds and names that are not paths. */
export function filePath(f: FileRef | null): string | null {
  if (!f || f.path.startsWith('/memfd:') || !f.path.startsWith('/')) return null;
  return normalizeAbs(f.path);
}

/** The directory a relative path of `dir` starts from, or null when unknown; AT_FDCWD's path updates the cwd. */
function baseOf(proc: Proc, dir: Dir): string | null {
  if (dir.at === 'cwd') return proc.fs.cwd;
  const base = filePath(dir.file);
  if (dir.isCwd && base !== null) proc.fs.cwd = base;
  return base;
}

/**
 * A path argument resolved in the process's view (its root and cwd, or the dirfd the tracer named); null when it cannot
 * be. An empty path (AT_EMPTY_PATH) names the dirfd's own file. `invalid` is called with the result when bytes of the
 * path were not UTF-8.
 */
export function resolveTarget(proc: Proc, t: PathTarget, invalid: (p: string) => void): string | null {
  const s = t.path;
  if (!s) return null;
  let result: string | null;
  if (s.text === '') result = t.dir.at === 'fd' ? filePath(t.dir.file) : null;
  else if (s.text.startsWith('/')) result = resolveIn(proc, '/', s.text);
  else {
    const base = baseOf(proc, t.dir);
    result = base === null ? null : resolveIn(proc, base, s.text);
  }
  const dirInvalid = t.dir.at === 'fd' && t.dir.file !== null && t.dir.file.invalidUtf8;
  if (result !== null && (s.invalidUtf8 || (s.text === '' && dirInvalid))) invalid(result);
  return result;
}
