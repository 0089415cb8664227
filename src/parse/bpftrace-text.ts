// Text in tracewall's bpftrace log: bpftrace's %r escapes decoded to bytes, and bytes to text the way strace's are.
import { unescapeRange } from './cstring.js';

/** Decoded text and whether it held bytes that are not UTF-8 (each such byte is U+FFFD, as for strace logs). */
export interface DecodedText {
  text: string;
  invalidUtf8: boolean;
}

function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

const HEX = /^[0-9a-f]{2}$/;

/**
 * The bytes bpftrace printed with %r: printable ASCII as itself, every other byte as `\xNN`. A backslash is printed as
 * itself, so `\xNN` naming a printable byte can only be literal text (bpftrace would have printed the byte raw).
 */
export function bytesOfR(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 && s.charCodeAt(i + 1) === 120 && HEX.test(s.slice(i + 2, i + 4))) {
      const b = Number.parseInt(s.slice(i + 2, i + 4), 16);
      if (!isPrintable(b)) {
        out.push(b);
        i += 3;
        continue;
      }
    }
    out.push(c & 0xff);
  }
  return out;
}

/** Bytes in strace's escaped form (printable ASCII as is, the rest and `\ " < >` as 3-digit octal escapes). */
export function escapeBytes(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) {
    if (isPrintable(b) && b !== 92 && b !== 34 && b !== 60 && b !== 62) out += String.fromCharCode(b);
    else out += '\\' + b.toString(8).padStart(3, '0');
  }
  return out;
}

/** Bytes as text, decoded exactly as strace's escaped strings are (invalid UTF-8 bytes become U+FFFD). */
export function textOfBytes(bytes: readonly number[]): DecodedText {
  const esc = escapeBytes(bytes);
  return unescapeRange(esc, 0, esc.length);
}

/** A %r field as text; trailing NULs (bpftrace pads fixed-size buffers) are dropped. */
export function textOfR(s: string): DecodedText {
  const bytes = bytesOfR(s);
  let end = bytes.length;
  const nul = bytes.indexOf(0);
  if (nul >= 0) end = nul;
  return textOfBytes(bytes.slice(0, end));
}
