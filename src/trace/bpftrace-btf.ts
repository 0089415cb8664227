// Member offsets of kernel structs from the kernel's BTF (/sys/kernel/btf/vmlinux): bpftrace 0.17 cannot resolve
// `struct file` and `struct mount` members on recent kernels, so tracewall passes their offsets to the program.
import fs from 'node:fs';
import { toolMissing } from '../errors.js';

const BTF_MAGIC = 0xeb9f;
const KIND_STRUCT = 4;
const KIND_UNION = 5;

interface BtfType {
  kind: number;
  name: string;
  members: Array<{ name: string; type: number; bitOffset: number }> | null;
}

/** Parse the type section of a raw BTF blob (only what member lookups need). Throws on a blob that is not BTF. */
export function parseBtf(buf: Buffer): BtfType[] {
  if (buf.length < 24 || buf.readUInt16LE(0) !== BTF_MAGIC) throw new Error('not a BTF blob (bad magic)');
  const hdrLen = buf.readUInt32LE(4);
  const typeOff = hdrLen + buf.readUInt32LE(8);
  const typeEnd = typeOff + buf.readUInt32LE(12);
  const strOff = hdrLen + buf.readUInt32LE(16);
  const str = (o: number): string => {
    let e = strOff + o;
    while (e < buf.length && buf[e] !== 0) e++;
    return buf.toString('latin1', strOff + o, e);
  };
  const types: BtfType[] = [{ kind: 0, name: '', members: null }];
  let p = typeOff;
  while (p + 12 <= typeEnd) {
    const info = buf.readUInt32LE(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31;
    const t: BtfType = { kind, name: str(buf.readUInt32LE(p)), members: null };
    p += 12;
    switch (kind) {
      case 1:
      case 14:
      case 17:
        p += 4;
        break; // INT, VAR, DECL_TAG
      case 3:
        p += 12;
        break; // ARRAY
      case KIND_STRUCT:
      case KIND_UNION:
        t.members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = buf.readUInt32LE(p + 8);
          t.members.push({
            name: str(buf.readUInt32LE(p)),
            type: buf.readUInt32LE(p + 4),
            bitOffset: kflag ? off & 0xffffff : off,
          });
        }
        break;
      case 6:
      case 13:
        p += 8 * vlen;
        break; // ENUM, FUNC_PROTO
      case 15:
      case 19:
        p += 12 * vlen;
        break; // DATASEC, ENUM64
      default:
        break; // PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG: no extra data
    }
    types.push(t);
  }
  return types;
}

function search(types: BtfType[], t: BtfType, member: string, base: number): number | null {
  for (const m of t.members ?? []) {
    if (m.name === member) return base + m.bitOffset / 8;
    if (m.name === '') {
      const sub = types[m.type];
      if (sub?.members) {
        const r = search(types, sub, member, base + m.bitOffset / 8);
        if (r !== null) return r;
      }
    }
  }
  return null;
}

/** The byte offset of `member` in `struct name` (members of anonymous unions and structs included), or null. */
export function memberOffset(types: BtfType[], struct: string, member: string): number | null {
  for (const t of types) {
    if (t.kind !== KIND_STRUCT || t.name !== struct || !t.members) continue;
    const r = search(types, t, member, 0);
    if (r !== null) return r;
  }
  return null;
}

/** The offsets the bpftrace program takes as $7..$11. */
export interface KernelOffsets {
  fileFPath: number;
  mountMnt: number;
  filePrivateData: number;
  mountParent: number;
  mountMountpoint: number;
}

/** Offsets from a BTF blob; null names the first member that was not found. */
export function offsetsFromBtf(buf: Buffer): KernelOffsets | string {
  const types = parseBtf(buf);
  const want: Array<[keyof KernelOffsets, string, string]> = [
    ['fileFPath', 'file', 'f_path'],
    ['mountMnt', 'mount', 'mnt'],
    ['filePrivateData', 'file', 'private_data'],
    ['mountParent', 'mount', 'mnt_parent'],
    ['mountMountpoint', 'mount', 'mnt_mountpoint'],
  ];
  const out: Partial<KernelOffsets> = {};
  for (const [key, struct, member] of want) {
    const off = memberOffset(types, struct, member);
    if (off === null) return `struct ${struct} has no member ${member}`;
    out[key] = off;
  }
  return out as KernelOffsets;
}

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** This kernel's offsets; toolMissing when it has no BTF or the structs are not as expected. */
export function kernelOffsets(file = VMLINUX): KernelOffsets {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw toolMissing(
      `the kernel has no BTF (${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); bpftrace needs a kernel built with CONFIG_DEBUG_INFO_BTF: use --tracer strace`,
      err,
    );
  }
  let r: KernelOffsets | string;
  try {
    r = offsetsFromBtf(buf);
  } catch (err) {
    throw toolMissing(`${file}: ${(err as Error).message}; use --tracer strace`, err);
  }
  if (typeof r === 'string')
    throw toolMissing(`${file}: ${r}; this kernel is not supported by the bpftrace tracer: use --tracer strace`);
  return r;
}
