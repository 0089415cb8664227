// strace's printed argument values → the operation model's values: paths with their dirfds, fds with their -yy
// decorations, socket addresses, and symbolic names turned into numbers wherever tracewall's tables name the number back
// exactly as strace printed it (otherwise the printed name is kept, so nothing strace said is lost or changed).
import type { Dir, Endpoint, FdRef, FileRef, PathTarget } from '../model/operations.js';
import { familyName, familyValue, type Sym } from '../syscalls/values.js';
import { asString, field, valueText, type Arg, type ArgValue } from './args.js';
import { familyOfProto, splitHostPort } from './decoration.js';

/** A value read from text, kept as a number only when naming the number gives the same text back. */
export function lossless<T extends number | bigint>(
  text: string,
  value: T | undefined,
  name: (v: T) => string,
  asPrinted: (t: string) => string = (t) => t,
): T | string {
  return value !== undefined && name(value) === asPrinted(text) ? value : text;
}

/** The argument at a position, a keyed argument (`flags`), or a field of a struct argument (`2.flags`). */
export function valueAt(args: Arg[], where: number | string | undefined): ArgValue | undefined {
  if (where === undefined) return undefined;
  if (typeof where === 'number') return args[where]?.value;
  const dot = where.indexOf('.');
  if (dot < 0) return field(args, where);
  const top = args[Number(where.slice(0, dot))]?.value;
  const struct = top && top.t === 'seq' ? top.parts[0] : top;
  return struct && struct.t === 'struct' ? field(struct.fields, where.slice(dot + 1)) : undefined;
}

/** A flag word's text ("" for anything that is not a bare word). */
export function wordText(v: ArgValue | undefined): string {
  return v && v.t === 'word' ? v.text : '';
}

/** A decimal or 0x-hex word as a bigint (addresses, lengths, results), or null. */
export function bigOf(text: string): bigint | null {
  try {
    return /^(0x[0-9a-fA-F]+|\d+)$/.test(text) ? BigInt(text) : null;
  } catch {
    return null;
  }
}

/** The file an -yy decorated fd names, or null (not decorated, not a path). */
export function fileRefOf(v: ArgValue | undefined): FileRef | null {
  if (!v || v.t !== 'fd' || v.info.kind !== 'path') return null;
  return { path: v.info.path, invalidUtf8: v.info.invalidUtf8 };
}

/** What a dirfd argument makes a relative path relative to. */
export function dirOf(v: ArgValue | undefined): Dir {
  if (!v || (v.t === 'word' && v.text === 'AT_FDCWD')) return { at: 'cwd' };
  if (v.t === 'fd') return { at: 'fd', file: fileRefOf(v), isCwd: v.fd === 'AT_FDCWD' };
  return { at: 'fd', file: null, isCwd: false };
}

/** A path argument and its dirfd (none: the working directory). */
export function pathTargetOf(args: Arg[], path: number, dirfd?: number): PathTarget {
  const s = asString(args[path]?.value);
  return {
    path: s ? { text: s.text, invalidUtf8: s.invalidUtf8 } : null,
    dir: dirfd === undefined ? { at: 'cwd' } : dirOf(args[dirfd]?.value),
  };
}

/** An address family as strace printed it, losslessly. */
export function familySym(text: string): Sym {
  return lossless(text, familyValue(text), familyName);
}

/** A sockaddr struct as strace prints it, as an endpoint; null when it is not one. */
export function endpointOf(v: ArgValue | undefined): Endpoint | null {
  if (!v || v.t !== 'struct') return null;
  const fam = field(v.fields, 'sa_family');
  if (!fam || fam.t !== 'word') return null;
  const name = fam.text === 'AF_LOCAL' || fam.text === 'AF_FILE' ? 'AF_UNIX' : fam.text;
  const family = familySym(name);
  if (name === 'AF_INET') {
    const addr = field(v.fields, 'sin_addr');
    const s = addr && addr.t === 'call' ? asString(addr.args[0]?.value) : null;
    return { family, address: s ? s.text : '', port: portOf(field(v.fields, 'sin_port')) };
  }
  if (name === 'AF_INET6') {
    let address = '';
    for (const f of v.fields) {
      if (f.key === null && f.value.t === 'call' && f.value.name === 'inet_pton')
        address = asString(f.value.args[1]?.value)?.text ?? '';
      if (f.key === 'sin6_addr')
        address = asString(f.value.t === 'call' ? f.value.args[1]?.value : f.value)?.text ?? address;
    }
    return { family, address, port: portOf(field(v.fields, 'sin6_port')) };
  }
  if (name === 'AF_UNIX') {
    const s = asString(field(v.fields, 'sun_path'));
    return { family, address: s ? (s.abstract ? '@' : '') + s.text : '', port: 0 };
  }
  return { family, address: '', port: 0 };
}

function portOf(v: ArgValue | undefined): number {
  // htons(80) → 80
  if (v && v.t === 'call' && v.args.length > 0) return portOf(v.args[0]!.value);
  if (v && v.t === 'word' && /^\d+$/.test(v.text)) {
    const n = Number(v.text);
    return n <= 65535 ? n : 0;
  }
  return 0;
}

/** An fd argument: its number, and the file or socket its -yy decoration shows. */
export function fdRefOf(v: ArgValue | undefined): FdRef {
  const key = v && (v.t === 'fd' || v.t === 'word') ? (v.t === 'fd' ? v.fd : v.text) : null;
  if (!v || v.t !== 'fd' || v.info.kind !== 'socket') return { key, file: fileRefOf(v), socket: null };
  const name = familyOfProto(v.info.proto);
  if (name === null) return { key, file: null, socket: { family: null, local: null } };
  const family = familySym(name);
  let local: Endpoint | null = null;
  if (v.info.unixPath !== null) local = { family, address: v.info.unixPath, port: 0 };
  else if (v.info.local !== null) {
    const hp = splitHostPort(v.info.local);
    if (hp) local = { family, address: hp.address, port: hp.port };
  }
  return { key, file: null, socket: { family, local } };
}

/** The text of a value as the Recording keeps unknown names (words as-is, strings quoted). */
export { valueText };
