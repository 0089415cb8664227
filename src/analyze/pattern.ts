// Path patterns (PathPart[]): building, comparing and printing them the same way everywhere.
import type { PathPart } from './policy-types.js';

/** A pattern for one exact path. */
export function literalPattern(path: string): PathPart[] {
  return [{ lit: path }];
}

/** The same pattern with adjacent literal parts joined and empty literals dropped. */
export function compactPattern(parts: readonly PathPart[]): PathPart[] {
  const out: PathPart[] = [];
  for (const p of parts) {
    if ('lit' in p) {
      if (p.lit === '') continue;
      const last = out[out.length - 1];
      if (last && 'lit' in last) out[out.length - 1] = { lit: last.lit + p.lit };
      else out.push({ lit: p.lit });
    } else {
      out.push({ glob: p.glob });
    }
  }
  return out;
}

/** True when the pattern stands for exactly one path. */
export function isLiteralPattern(parts: readonly PathPart[]): boolean {
  return parts.every((p) => 'lit' in p);
}

/** The literal text of a pattern with no globs, or undefined. */
export function literalText(parts: readonly PathPart[]): string | undefined {
  return isLiteralPattern(parts) ? parts.map((p) => (p as { lit: string }).lit).join('') : undefined;
}

/**
 * Canonical text for sorting, keys and reports: literal text with `\`, `*`, `?`, `[`, `]`, `{`, `}`, `@` backslash-escaped,
 * globs as AppArmor writes them. Two patterns have the same text exactly when they are equal.
 */
export function patternText(parts: readonly PathPart[]): string {
  return compactPattern(parts)
    .map((p) => ('lit' in p ? p.lit.replace(/[\\*?[\]{}@]/g, (c) => `\\${c}`) : p.glob))
    .join('');
}

/** The pattern split at its last `/`: the directory (ending in `/`) and the final name; undefined when there is no `/`. */
export function splitLastSegment(parts: readonly PathPart[]): { dir: PathPart[]; name: PathPart[] } | undefined {
  const c = compactPattern(parts);
  for (let i = c.length - 1; i >= 0; i--) {
    const p = c[i]!;
    if (!('lit' in p)) continue;
    const at = p.lit.lastIndexOf('/');
    if (at < 0) continue;
    const dir = compactPattern([...c.slice(0, i), { lit: p.lit.slice(0, at + 1) }]);
    const name = compactPattern([{ lit: p.lit.slice(at + 1) }, ...c.slice(i + 1)]);
    return { dir, name };
  }
  return undefined;
}

/** The leading literal text of a pattern (everything before its first glob). */
export function literalPrefix(parts: readonly PathPart[]): string {
  let s = '';
  for (const p of parts) {
    if (!('lit' in p)) break;
    s += p.lit;
  }
  return s;
}

const GLOB_SOURCE: Readonly<Record<string, string>> = {
  '*': '[^/]*',
  '**': '.*',
  '?': '[^/]',
  '@{pid}': '[1-9][0-9]*',
  '@{tid}': '[1-9][0-9]*',
};

/**
 * The pattern as an anchored regular expression, with AppArmor's globs (src/apparmor/aare.ts): `*` and `?` stop at
 * `/`, and a `*` or `**` that is a whole path component matches at least one character ("/tmp/*" is not "/tmp/").
 */
export function patternRegExp(parts: readonly PathPart[]): RegExp {
  const c = compactPattern(parts);
  const source = c
    .map((p, i) => {
      if ('lit' in p) return p.lit.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      const before = c[i - 1];
      const after = c[i + 1];
      const whole =
        (p.glob === '*' || p.glob === '**') &&
        before !== undefined &&
        'lit' in before &&
        before.lit.endsWith('/') &&
        (after === undefined || ('lit' in after && after.lit.startsWith('/')));
      const glob = GLOB_SOURCE[p.glob]!;
      return whole ? `${glob.slice(0, -1)}+` : glob;
    })
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** Whether `path` is one of the paths the pattern stands for. */
export function patternMatchesPath(parts: readonly PathPart[], path: string): boolean {
  const text = literalText(parts);
  return text !== undefined ? text === path : patternRegExp(parts).test(path);
}
