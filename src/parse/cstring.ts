// strace's C-string escapes decoded to text: paths are byte strings, shown as UTF-8 with U+FFFD for invalid bytes.
import { isUtf8 } from 'node:buffer';

/** A decoded strace string: its text, whether bytes were not UTF-8, and whether strace cut it short. */
export interface DecodedString {
  text: string;
  invalidUtf8: boolean;
  truncated: boolean;
  /** Index just past the string (and its `...` marker) in the source text. */
  end: number;
}

const BACKSLASH = 92;

const SIMPLE_ESCAPES: Record<string, number> = {
  n: 10,
  t: 9,
  r: 13,
  v: 11,
  f: 12,
  a: 7,
  b: 8,
  e: 27,
  '\\': 92,
  '"': 34,
  "'": 39,
  '?': 63,
};

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The length of a UTF-8 sequence by its lead byte (0 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Invalid UTF-8 as one U+FFFD per invalid byte. Node's decoder replaces a truncated sequence such as E2 80 with a single
 * U+FFFD, so the text would be one character short of the name, and the AppArmor rule (one "?" per U+FFFD) would not
 * match the real file.
 */
function decodePerByte(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const n = sequenceLength(buf[i]!);
    const seq = n > 0 && i + n <= buf.length ? buf.subarray(i, i + n) : undefined;
    if (seq && isUtf8(seq)) {
      out += seq.toString('utf8');
      i += n;
    } else {
      out += '\uFFFD';
      i += 1;
    }
  }
  return out;
}

/** Bytes (as read from escapes) to text; each byte that is not part of valid UTF-8 becomes one U+FFFD. */
function fromBytes(bytes: number[]): { text: string; invalidUtf8: boolean } {
  let ascii = true;
  for (const b of bytes)
    if (b > 127) {
      ascii = false;
      break;
    }
  if (!ascii) {
    const buf = Buffer.from(bytes);
    return isUtf8(buf)
      ? { text: buf.toString('utf8'), invalidUtf8: false }
      : { text: decodePerByte(buf), invalidUtf8: true };
  }
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.slice(i, i + 8192));
  return { text, invalidUtf8: false };
}

/**
 * Decode escaped text between `from` and `to` (no surrounding quotes), as strace prints it in strings and
 * in -yy fd decorations. Characters that are not escapes are taken as they are (code points > 127 as UTF-8).
 */
export function unescapeRange(s: string, from: number, to: number): { text: string; invalidUtf8: boolean } {
  const bs = s.indexOf('\\', from);
  if (bs < 0 || bs >= to) {
    const text = s.slice(from, to);
    // A raw U+FFFD means the log itself had bytes that were not UTF-8 where strace would have escaped them.
    return { text, invalidUtf8: text.includes('\uFFFD') };
  }
  const bytes: number[] = [];
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < to) {
      const n = s.charCodeAt(i + 1);
      if (isOctal(n)) {
        let v = 0;
        let j = i + 1;
        const lim = Math.min(to, i + 4);
        while (j < lim && isOctal(s.charCodeAt(j))) {
          v = v * 8 + (s.charCodeAt(j) - 48);
          j++;
        }
        bytes.push(v & 0xff);
        i = j;
        continue;
      }
      if (n === 120 /* x */ && i + 2 < to && hexValue(s.charCodeAt(i + 2)) >= 0) {
        let v = hexValue(s.charCodeAt(i + 2));
        let j = i + 3;
        if (j < to && hexValue(s.charCodeAt(j)) >= 0) {
          v = v * 16 + hexValue(s.charCodeAt(j));
          j++;
        }
        bytes.push(v);
        i = j;
        continue;
      }
      const simple = SIMPLE_ESCAPES[String.fromCharCode(n)];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      bytes.push(BACKSLASH);
      i += 1;
      continue;
    }
    if (c < 128) {
      bytes.push(c);
      i++;
      continue;
    }
    // A raw non-ASCII character (hand-written logs): keep its UTF-8 bytes.
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    i += ch.length;
  }
  return fromBytes(bytes);
}

/** Index of the closing quote of a string whose opening quote is at `start`, or -1 when it never closes. */
export function findStringEnd(s: string, start: number, limit = s.length): number {
  let i = start + 1;
  while (i < limit) {
    const q = s.indexOf('"', i);
    if (q < 0 || q >= limit) return -1;
    // Count the backslashes right before the quote: an odd number escapes it.
    let k = q - 1;
    while (k > start && s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    i = q + 1;
  }
  return -1;
}

/** Decode the quoted string that starts at `start` (s[start] === '"'); an unterminated string runs to `limit`. */
export function decodeQuoted(s: string, start: number, limit = s.length): DecodedString {
  const close = findStringEnd(s, start, limit);
  const stop = close < 0 ? limit : close;
  const { text, invalidUtf8 } = unescapeRange(s, start + 1, stop);
  let end = close < 0 ? limit : close + 1;
  let truncated = close < 0;
  if (close >= 0 && s.startsWith('...', end) && end + 3 <= limit) {
    truncated = true;
    end += 3;
  }
  return { text, invalidUtf8, truncated, end };
}
