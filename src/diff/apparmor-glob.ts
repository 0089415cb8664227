// Tracewall's reading of AppArmor path patterns (AARE): matching one pattern against another path, counting globs, and
// asking whether a pattern can reach below a directory. An approximation for rating diffs, not the kernel's matcher.

/** A path pattern with AppArmor escapes resolved to their characters; glob characters stay as written. */
export function unescapePath(pattern: string): string {
  return pattern.replace(/\\([0-7]{3}|.)/g, (_, c: string) =>
    c.length === 3 ? String.fromCharCode(parseInt(c, 8)) : c,
  );
}

function regexChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Convert a bracket expression starting at `i` ("[^a-z]"); returns regex text and the index after it. */
function bracket(p: string, i: number): { re: string; next: number } {
  let j = i + 1;
  let body = '';
  let negate = false;
  if (p[j] === '^') {
    negate = true;
    j += 1;
  }
  while (j < p.length && p[j] !== ']') {
    if (p[j] === '\\' && j + 1 < p.length) {
      body += regexChar(p[j + 1]!);
      j += 2;
    } else if (p[j] === '-') {
      body += '-';
      j += 1;
    } else {
      body += regexChar(p[j]!);
      j += 1;
    }
  }
  if (j >= p.length) return { re: '\\[', next: i + 1 };
  return { re: negate ? `[^/${body}]` : `(?!/)[${body}]`, next: j + 1 };
}

/** The regex source for a pattern (anchored by the caller). */
function regexSource(p: string): string {
  let out = '';
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      const oct = /^[0-7]{3}/.exec(p.slice(i + 1));
      if (oct) {
        out += regexChar(String.fromCharCode(parseInt(oct[0], 8)));
        i += 4;
      } else {
        out += regexChar(p[i + 1]!);
        i += 2;
      }
    } else if (p.startsWith('**', i)) {
      out += '.*';
      i += 2;
    } else if (c === '*') {
      out += '[^/]*';
      i += 1;
    } else if (c === '?') {
      out += '[^/]';
      i += 1;
    } else if (c === '[') {
      const b = bracket(p, i);
      out += b.re;
      i = b.next;
    } else if (p.startsWith('@{pid}', i) || p.startsWith('@{tid}', i)) {
      out += '[0-9]+';
      i += 6;
    } else if (c === '@' && p[i + 1] === '{') {
      const end = p.indexOf('}', i);
      out += '.*';
      i = end < 0 ? p.length : end + 1;
    } else if (c === '{') {
      let depth = 0;
      let j = i;
      for (; j < p.length; j++) {
        if (p[j] === '\\') j += 1;
        else if (p[j] === '{') depth += 1;
        else if (p[j] === '}' && --depth === 0) break;
      }
      if (j >= p.length) {
        out += '\\{';
        i += 1;
        continue;
      }
      const alts: string[] = [];
      let start = i + 1;
      depth = 0;
      for (let k = i + 1; k < j; k++) {
        if (p[k] === '\\') k += 1;
        else if (p[k] === '{') depth += 1;
        else if (p[k] === '}') depth -= 1;
        else if (p[k] === ',' && depth === 0) {
          alts.push(p.slice(start, k));
          start = k + 1;
        }
      }
      alts.push(p.slice(start, j));
      out += `(?:${alts.map(regexSource).join('|')})`;
      i = j + 1;
    } else {
      out += regexChar(c);
      i += 1;
    }
  }
  return out;
}

/** Whether a pattern uses any glob (unescaped * ? [ { or a variable). */
export function isGlob(pattern: string): boolean {
  return /(^|[^\\])(\*|\?|\[|\{|@\{)/.test(pattern.replace(/\\\\/g, ''));
}

/** Whether `pattern` matches `path` (another rule's path text, unescaped; its globs are taken as characters). */
export function patternMatches(pattern: string, path: string): boolean {
  try {
    return new RegExp(`^${regexSource(pattern)}$`, 's').test(path);
  } catch {
    return false;
  }
}

/** How many unescaped "*" the pattern holds ("**" counts two): a measure of breadth. */
export function starCount(pattern: string): number {
  return (pattern.replace(/\\./g, '').match(/\*/g) ?? []).length;
}

/** Whether the pattern holds an unescaped "**" (any depth of directories). */
export function hasDoubleStar(pattern: string): boolean {
  return pattern.replace(/\\./g, '').includes('**');
}

/** The literal text before the first glob, unescaped. */
export function literalPrefix(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const oct = /^[0-7]{3}/.exec(pattern.slice(i + 1));
      out += oct ? String.fromCharCode(parseInt(oct[0], 8)) : pattern[i + 1]!;
      i += oct ? 3 : 1;
    } else if ('*?[{'.includes(c) || (c === '@' && pattern[i + 1] === '{')) {
      return out;
    } else {
      out += c;
    }
  }
  return out;
}

/** Whether a pattern can match `dir` or something below it. Conservative: unknown globs are assumed to reach. */
export function mayReachUnder(pattern: string, dir: string): boolean {
  const prefix = literalPrefix(pattern);
  if (prefix === dir || prefix.startsWith(`${dir}/`)) return true;
  if (!isGlob(pattern)) return false;
  const target = `${dir}/`;
  if (!target.startsWith(prefix)) return false;
  const rest = pattern.slice(rawPrefixLength(pattern));
  const next = target.slice(prefix.length);
  if (rest.startsWith('@{pid}') || rest.startsWith('@{tid}')) return /^[0-9]/.test(next);
  if (rest.startsWith('[')) {
    const b = bracket(rest, 0);
    return new RegExp(`^${b.re}`).test(next);
  }
  return true;
}

/** Length of the raw (escaped) text before the first glob. */
function rawPrefixLength(pattern: string): number {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i += /^[0-7]{3}/.test(pattern.slice(i + 1)) ? 3 : 1;
    } else if ('*?[{'.includes(c) || (c === '@' && pattern[i + 1] === '{')) {
      return i;
    }
  }
  return pattern.length;
}
