// Reading /etc/ld.so.cache (glibc's "glibc-ld.so.cache1.1" format): the library name → path map the dynamic loader
// consults after DT_RPATH/DT_RUNPATH, read from the cache inside the same root as the program.

const MAGIC = 'glibc-ld.so.cache1.1';
const HEADER_BYTES = 48;
const ENTRY_BYTES = 24;
/** FLAG_ELF_LIBC6 | FLAG_X8664_LIB64: a 64-bit x86-64 glibc library. */
const X86_64_LIBC6 = 0x0303;

function cString(buf: Buffer, offset: number): string | undefined {
  if (offset >= buf.length) return undefined;
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

/** The x86-64 entries of a cache file: library name → paths, in the cache's order; empty for another format. */
export function parseLdCache(buf: Buffer): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const base = buf.indexOf(MAGIC, 0, 'latin1');
  if (base < 0 || buf.length < base + HEADER_BYTES) return out;
  const count = buf.readUInt32LE(base + 20);
  for (let i = 0; i < count; i++) {
    const at = base + HEADER_BYTES + i * ENTRY_BYTES;
    if (at + ENTRY_BYTES > buf.length) break;
    if (buf.readInt32LE(at) !== X86_64_LIBC6) continue;
    const key = cString(buf, base + buf.readUInt32LE(at + 4));
    const value = cString(buf, base + buf.readUInt32LE(at + 8));
    if (key === undefined || value === undefined) continue;
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}
