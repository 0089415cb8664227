// Whether two AppArmor path patterns can match a common path: used to keep a protective deny rule from overriding an
// observed access (AppArmor deny rules win over allow rules). Exact for the glob subset tracewall writes: literal
// bytes, `*`, `**`, `?`, `[...]`/`[^...]` classes with ranges, `\x` escapes, and @{pid}/@{tid}; no `{,}` alternation.
import type { PathPart } from '../analyze/policy-types.js';

/** A set of bytes: the listed ones, or (neg) all but the listed ones. */
interface ByteSet {
  neg: boolean;
  bytes: Set<number>;
}
/** One byte from the set, or (rep) any number of them. */
interface Token {
  rep: boolean;
  set: ByteSet;
}

const SLASH = 0x2f;
const notSlash = (): ByteSet => ({ neg: true, bytes: new Set([SLASH]) });
const anyByte = (): ByteSet => ({ neg: true, bytes: new Set() });
const only = (...bytes: number[]): ByteSet => ({ neg: false, bytes: new Set(bytes) });
const range = (from: string, to: string): number[] =>
  Array.from({ length: to.charCodeAt(0) - from.charCodeAt(0) + 1 }, (_, i) => from.charCodeAt(0) + i);

/** Tokens of an AARE written in the subset above (ASCII only). */
export function aareTokens(aare: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < aare.length; i++) {
    const c = aare[i]!;
    if (c === '\\') {
      out.push({ rep: false, set: only(aare.charCodeAt(++i)) });
    } else if (c === '*') {
      if (aare[i + 1] === '*') {
        i++;
        out.push({ rep: true, set: anyByte() });
      } else {
        out.push({ rep: true, set: notSlash() });
      }
    } else if (c === '?') {
      out.push({ rep: false, set: notSlash() });
    } else if (c === '[') {
      const end = aare.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unterminated class in ${aare}`);
      let body = aare.slice(i + 1, end);
      const neg = body.startsWith('^');
      if (neg) body = body.slice(1);
      const bytes = new Set<number>();
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          range(body[j]!, body[j + 2]!).forEach((b) => bytes.add(b));
          j += 2;
        } else {
          bytes.add(body.charCodeAt(j));
        }
      }
      out.push({ rep: false, set: { neg, bytes } });
      i = end;
    } else if (c === '{' || c === '}') {
      throw new Error(`alternation is not supported in ${aare}`);
    } else {
      out.push({ rep: false, set: only(aare.charCodeAt(i)) });
    }
  }
  return out;
}

/** Tokens of a policy path pattern: literal parts as UTF-8 bytes, globs as AppArmor reads them. */
export function patternTokens(parts: readonly PathPart[]): Token[] {
  const out: Token[] = [];
  for (const p of parts) {
    if ('lit' in p) {
      for (const ch of p.lit) {
        // NUL, U+FFFD (invalid UTF-8) and lone surrogates are rendered as "?" (apparmor-escape.ts): one byte, not "/"
        const cp = ch.codePointAt(0)!;
        if (cp === 0 || cp === 0xfffd || (cp >= 0xd800 && cp <= 0xdfff)) out.push({ rep: false, set: notSlash() });
        else for (const b of Buffer.from(ch, 'utf8')) out.push({ rep: false, set: only(b) });
      }
    } else if (p.glob === '*') {
      out.push({ rep: true, set: notSlash() });
    } else if (p.glob === '**') {
      out.push({ rep: true, set: anyByte() });
    } else if (p.glob === '?') {
      out.push({ rep: false, set: notSlash() });
    } else {
      out.push({ rep: false, set: only(...range('1', '9')) }, { rep: true, set: only(...range('0', '9')) });
    }
  }
  return out;
}

function intersects(a: ByteSet, b: ByteSet): boolean {
  if (a.neg && b.neg) return true;
  if (!a.neg && !b.neg) return [...a.bytes].some((x) => b.bytes.has(x));
  const [pos, neg] = a.neg ? [b, a] : [a, b];
  return [...pos.bytes].some((x) => !neg.bytes.has(x));
}

/** True when some path matches both token lists (breadth-first search over the product automaton). */
export function tokensOverlap(a: readonly Token[], b: readonly Token[]): boolean {
  const seen = new Set<string>();
  const queue: Array<[number, number]> = [[0, 0]];
  while (queue.length > 0) {
    const [i, j] = queue.shift()!;
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const ta = a[i];
    const tb = b[j];
    if (ta?.rep) queue.push([i + 1, j]);
    if (tb?.rep) queue.push([i, j + 1]);
    if (ta && tb && intersects(ta.set, tb.set)) queue.push([ta.rep ? i : i + 1, tb.rep ? j : j + 1]);
  }
  return false;
}

/** True when an AARE (tracewall's subset) and a policy pattern can match the same path. */
export function aareOverlapsPattern(aare: string, parts: readonly PathPart[]): boolean {
  return tokensOverlap(aareTokens(aare), patternTokens(parts));
}
