// The entrypoint's argv as the bpftrace program hashes it, so the kernel can tell the container's first exec.

const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;
/** Arguments hashed (the rest are only counted), as in tracewall.bt. */
export const HASHED_ARGS = 16;
/** 8-byte words read per argument (512 bytes), as in tracewall.bt. */
export const WORDS_PER_ARG = 64;
/** Arguments counted at most. */
export const COUNTED_ARGS = 64;

/**
 * FNV-1a (64-bit) over each of the first 16 arguments as 8-byte little-endian words, the word holding the terminating NUL
 * included with the bytes after the NUL zeroed, at most 64 words per argument; and the argument count (at most 64).
 */
export function argvHash(argv: readonly string[]): { argc: number; low: number; high: number } {
  let h = OFFSET;
  for (const a of argv.slice(0, HASHED_ARGS)) {
    const bytes = Buffer.from(a, 'utf8');
    for (let k = 0; k < WORDS_PER_ARG; k++) {
      let w = 0n;
      for (let i = 0; i < 8; i++) {
        const at = k * 8 + i;
        if (at < bytes.length) w |= BigInt(bytes[at]!) << BigInt(8 * i);
      }
      h = ((h ^ w) * PRIME) & MASK;
      if (k * 8 + 8 > bytes.length) break;
    }
  }
  return { argc: Math.min(argv.length, COUNTED_ARGS), low: Number(h & 0xffffffffn), high: Number(h >> 32n) };
}
