// File-system effects of operations: which paths were touched how, and how cwd, root and file mappings of a process
// change.
import type { FileAccess } from '../recording/types.js';
import type { Effect, FileRef, PathTarget, Where } from '../model/operations.js';
import { O, PROT_EXEC, fileTypeName } from '../syscalls/values.js';
import { detached } from '../util/strings.js';
import { filePath, resolveTarget, type Facts, type Proc } from './builder-state.js';

/** What a handler needs: the process, whether the call succeeded, the facts (null when not recorded), the result. */
export interface CallContext {
  proc: Proc;
  ok: boolean;
  facts: Facts | null;
  ret: bigint | null;
  /** The call's name as counted (for texts such as capability reasons). */
  name: string;
}

type EffectOf<K extends Effect['kind']> = Extract<Effect, { kind: K }>;

function warnInvalid(c: CallContext, p: string): void {
  c.facts?.warn(`path is not valid UTF-8 (invalid bytes shown as U+FFFD): ${p}`);
}

/** A path target resolved in the process's view, warning about bytes that are not UTF-8. */
export function pathOf(c: CallContext, t: PathTarget | null): string | null {
  return t === null ? null : resolveTarget(c.proc, t, (p) => warnInvalid(c, p));
}

/** The file an fd refers to, warning about bytes that are not UTF-8. */
export function fdFileOf(c: CallContext, f: FileRef | null): string | null {
  const p = filePath(f);
  if (p !== null && f!.invalidUtf8) warnInvalid(c, p);
  return p;
}

/** Where a call acts, resolved: a path target or an fd's file. */
export function whereOf(c: CallContext, w: Where | null): string | null {
  if (w === null) return null;
  return 'path' in w ? pathOf(c, w.path) : fdFileOf(c, w.fd.file);
}

/** A directory's path with the trailing slash AppArmor expects of directory rules (mkdir, rmdir). */
function asDir(p: string | null): string | null {
  return p === null || p.endsWith('/') ? p : `${p}/`;
}

function record(c: CallContext, p: string | null, ...access: FileAccess[]): void {
  if (p !== null && c.ok) c.facts?.file(p, ...access);
}

/** Accesses an open(2) flag word implies. */
export function openAccesses(flags: number): FileAccess[] {
  const has = (bits: number): boolean => (flags & bits) === bits;
  if (has(O.PATH)) return ['stat'];
  const out = new Set<FileAccess>();
  const wronly = (flags & 3) === O.WRONLY;
  const writes = wronly || (flags & 3) === O.RDWR;
  if (!wronly) out.add('read');
  if (writes) out.add(has(O.APPEND) && !has(O.TRUNC) ? 'append' : 'write');
  if (has(O.CREAT) || has(O.TMPFILE)) out.add('create');
  if (has(O.TRUNC) || has(O.TMPFILE)) out.add('write');
  if (has(O.DIRECTORY) && !has(O.TMPFILE)) {
    out.delete('read');
    out.add('dir-list');
  }
  return [...out];
}

/** A path or fd accessed as the effect says (stat, metadata, write, delete, create, link, lock, dir-list). */
export function fileEffect(c: CallContext, e: EffectOf<'file'>): void {
  if (!c.facts || (!c.ok && e.access[0] === 'dir-list')) return;
  // fstat through an fd (an empty path with AT_EMPTY_PATH) touches no path
  if (e.where && 'path' in e.where && e.access.length === 1 && e.access[0] === 'stat' && e.where.path.path?.text === '')
    return;
  const p = whereOf(c, e.where);
  record(c, e.dir ? asDir(p) : p, ...e.access);
}

/** open/openat/openat2/creat: the file opened (the returned fd's where the tracer named it), with its accesses. */
export function openEffect(c: CallContext, e: EffectOf<'open'>): void {
  if (!c.ok || !c.facts) return;
  const requested = pathOf(c, e.where);
  const tmpfile = (e.flags & O.TMPFILE) === O.TMPFILE;
  const p = tmpfile ? requested : (fdFileOf(c, e.opened) ?? requested);
  const dir = (e.flags & O.DIRECTORY) === O.DIRECTORY && !tmpfile;
  record(c, dir ? asDir(p) : p, ...openAccesses(e.flags));
}

/** rename: the old name renamed, the new one created and written. */
export function renameEffect(c: CallContext, e: EffectOf<'rename'>): void {
  if (!c.facts) return;
  record(c, pathOf(c, e.from), 'rename');
  record(c, pathOf(c, e.to), 'create', 'write');
}

/** mknod: a node created; a device node implies CAP_MKNOD. */
export function mknodEffect(c: CallContext, e: EffectOf<'mknod'>): void {
  const p = pathOf(c, e.where);
  if (!c.ok || !c.facts || p === null) return;
  record(c, p, 'create');
  const type = fileTypeName(e.mode);
  if (type === 'S_IFCHR' || type === 'S_IFBLK') c.facts.cap('CAP_MKNOD', `mknod(${p}, ${type})`);
}

/** chdir/fchdir: the new working directory. */
export function chdirEffect(c: CallContext, e: EffectOf<'chdir'>): void {
  if (!c.ok) return;
  const p = 'path' in e.where ? pathOf(c, e.where.path) : filePath(e.where.fd.file);
  if (p !== null) c.proc.fs.cwd = p;
}

/** chroot: the new root, and CAP_SYS_CHROOT. */
export function chrootEffect(c: CallContext, e: EffectOf<'chroot'>): void {
  if (!c.ok) return;
  const p = pathOf(c, e.where);
  if (p === null) return;
  c.facts?.cap('CAP_SYS_CHROOT', `chroot(${p})`);
  c.proc.fs.root = p;
}

const MAX_MAPS = 4096;

/** mmap of a file: executable mappings recorded, every file mapping remembered for a later mprotect. */
export function mmapEffect(c: CallContext, e: EffectOf<'mmap'>): void {
  if (!c.ok) return;
  const p = filePath(e.file);
  if (p === null) return;
  if (e.prot & PROT_EXEC) {
    if (e.file!.invalidUtf8) warnInvalid(c, p);
    record(c, p, 'mmap-exec');
  }
  const start = e.addr;
  if (start !== null && e.len !== null) {
    const maps = c.proc.maps;
    if (maps.length >= MAX_MAPS) maps.shift();
    // Kept while the process lives: detached, so up to MAX_MAPS paths do not each keep a chunk of the log.
    maps.push({ start, end: start + e.len, path: detached(p) });
  }
}

/** mprotect(PROT_EXEC) of a file mapping: the file is mapped executable. */
export function mprotectEffect(c: CallContext, e: EffectOf<'mprotect'>): void {
  if (!c.ok || !c.facts || !(e.prot & PROT_EXEC) || e.addr === null) return;
  const maps = c.proc.maps;
  for (let i = maps.length - 1; i >= 0; i--) {
    const m = maps[i]!;
    if (e.addr >= m.start && e.addr < m.end) {
      record(c, m.path, 'mmap-exec');
      return;
    }
  }
}
