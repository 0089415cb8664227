// AppArmor path patterns (AARE) as apparmor_parser 3.0 compiles them, matched against paths byte by byte (UTF-8), the way
// the kernel's DFA does. Checked against the parser's own DFA (`apparmor_parser -Q -K -D dfa-states`):
//   *   any bytes but "/" (and NUL); **  any bytes (but NUL); ?  one byte but "/"
//   a "*" or "**" that is a whole path component ("/" before it, "/" or the end after the run) matches at least one
//   byte, so "/tmp/*" and "/tmp/**" do not match "/tmp/" itself
//   [abc] [a-c] [^a-c]  one byte from (not from) the set; a negated set does match "/"; multi-byte characters in a set
//   stand for each of their bytes
//   {a,b}  alternation, nested, empty alternatives allowed ({a} and {} are refused, as by the parser)
//   \x literal x; \NNN octal, \xHH hex, \dNNN decimal bytes; \n \t \r \a \e \f \v control characters
// Variables (@{...}) must be expanded first (see variables.ts), and runs of "/" collapsed as the parser does.

/** A pattern that apparmor_parser would refuse, with the reason. */
export class AareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AareError';
  }
}

/** 256 flags: which bytes a step accepts. */
type ByteSet = Uint8Array;

interface State {
  eps: number[];
  edges: Array<{ set: ByteSet; to: number }>;
}

/** A compiled pattern: a Thompson NFA over bytes. */
export interface Aare {
  readonly source: string;
  /** The bytes every match starts with (the literal text before the first glob, escape or group): a quick reject. */
  readonly prefix: Uint8Array;
  readonly states: readonly State[];
  readonly start: number;
  readonly accept: number;
}

const SLASH = 0x2f;
const CONTROL: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, a: 7, e: 27, f: 12, v: 11 };

function setOf(...bytes: number[]): ByteSet {
  const s = new Uint8Array(256);
  for (const b of bytes) s[b] = 1;
  return s;
}

function allBut(...bytes: number[]): ByteSet {
  const s = new Uint8Array(256).fill(1);
  for (const b of bytes) s[b] = 0;
  return s;
}

/** The bytes an escape stands for, and where the text after it starts (`i` points at the backslash). */
function escapeAt(p: string, i: number): { bytes: number[]; next: number } {
  const c = p[i + 1];
  if (c === undefined) throw new AareError('a pattern cannot end in a lone backslash');
  const num = (re: RegExp, radix: number, from: number) => {
    const m = re.exec(p.slice(from));
    return m ? { value: parseInt(m[0], radix), len: m[0].length } : undefined;
  };
  const oct = num(/^[0-7]{3}/, 8, i + 1);
  if (oct && oct.value < 256) return { bytes: [oct.value], next: i + 4 };
  if (c === 'x') {
    const hex = num(/^[0-9a-fA-F]{2}/, 16, i + 2);
    if (hex) return { bytes: [hex.value], next: i + 4 };
  }
  if (c === 'd') {
    const dec = num(/^[0-9]{3}/, 10, i + 2);
    if (dec && dec.value < 256) return { bytes: [dec.value], next: i + 5 };
  }
  if (CONTROL[c] !== undefined) return { bytes: [CONTROL[c]], next: i + 2 };
  const ch = String.fromCodePoint(p.codePointAt(i + 1)!);
  return { bytes: [...Buffer.from(ch, 'utf8')], next: i + 1 + ch.length };
}

/** One literal character (possibly several UTF-8 bytes) at `i`. */
function literalAt(p: string, i: number): { bytes: number[]; next: number } {
  const ch = String.fromCodePoint(p.codePointAt(i)!);
  return { bytes: [...Buffer.from(ch, 'utf8')], next: i + ch.length };
}

class Builder {
  readonly states: State[] = [];
  constructor(readonly source: string) {}

  state(): number {
    this.states.push({ eps: [], edges: [] });
    return this.states.length - 1;
  }

  edge(from: number, set: ByteSet): number {
    const to = this.state();
    this.states[from]!.edges.push({ set, to });
    return to;
  }

  bytes(from: number, bytes: readonly number[]): number {
    return bytes.reduce((at, b) => this.edge(at, setOf(b)), from);
  }

  /** Zero or more bytes of `set`; with `first`, one byte of `first` before them. */
  star(from: number, set: ByteSet, first?: ByteSet): number {
    const loop = first ? this.edge(from, first) : from;
    const body = this.state();
    this.states[loop]!.eps.push(body);
    this.states[body]!.edges.push({ set, to: body });
    return body;
  }
}

/** The index after a bracket expression starting at `i`, and the set it stands for. */
function bracket(p: string, i: number): { set: ByteSet; next: number } {
  let j = i + 1;
  const negate = p[j] === '^';
  if (negate) j += 1;
  const members = new Uint8Array(256);
  let any = false;
  while (j < p.length && p[j] !== ']') {
    const from = p[j] === '\\' ? escapeAt(p, j) : literalAt(p, j);
    j = from.next;
    // "-" makes a range, escaped or not (apparmor_parser reads [a\-z] as a to z)
    const dash = p[j] === '-' ? 1 : p.startsWith('\\-', j) ? 2 : 0;
    if (dash > 0 && p[j + dash] !== ']') {
      if (j + dash >= p.length) break;
      j += dash - 1;
      const to = p[j + 1] === '\\' ? escapeAt(p, j + 1) : literalAt(p, j + 1);
      if (from.bytes.length !== 1 || to.bytes.length !== 1 || to.bytes[0]! < from.bytes[0]!)
        throw new AareError(`bad range in character class at offset ${i} of ${JSON.stringify(p)}`);
      for (let b = from.bytes[0]!; b <= to.bytes[0]!; b++) members[b] = 1;
      j = to.next;
    } else if (p[j] === '-') {
      throw new AareError(`a character class cannot end in "-" (at offset ${i} of ${JSON.stringify(p)})`);
    } else {
      for (const b of from.bytes) members[b] = 1;
    }
    any = true;
  }
  if (j >= p.length) throw new AareError(`unterminated character class at offset ${i} of ${JSON.stringify(p)}`);
  if (!any) throw new AareError(`empty character class at offset ${i} of ${JSON.stringify(p)}`);
  const set = negate ? members.map((m) => (m ? 0 : 1)) : members;
  return { set, next: j + 1 };
}

/** The alternatives of a brace group starting at `i`: their [start, end) ranges and the index after the group. */
function braceGroup(p: string, i: number): { alts: Array<[number, number]>; next: number } {
  const alts: Array<[number, number]> = [];
  let depth = 0;
  let start = i + 1;
  for (let j = i; j < p.length; j++) {
    const c = p[j];
    if (c === '\\') j += 1;
    else if (c === '[') j = bracket(p, j).next - 1;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth === 0) {
        alts.push([start, j]);
        if (alts.length < 2)
          throw new AareError(`a {...} group needs two alternatives or more (offset ${i} of ${JSON.stringify(p)})`);
        return { alts, next: j + 1 };
      }
    } else if (c === ',' && depth === 1) {
      alts.push([start, j]);
      start = j + 1;
    }
  }
  throw new AareError(`unbalanced "{" at offset ${i} of ${JSON.stringify(p)}`);
}

/** Build the sequence p[from, to) after state `at`; returns the state it ends in. */
function sequence(b: Builder, from: number, to: number, at: number): number {
  const p = b.source;
  let i = from;
  while (i < to) {
    const c = p[i]!;
    if (c === '*') {
      let j = i;
      while (p[j] === '*') j += 1;
      const whole = i > 0 && p[i - 1] === '/' && (j === p.length || p[j] === '/');
      at = b.star(at, j - i > 1 ? allBut(0) : allBut(0, SLASH), whole ? allBut(0, SLASH) : undefined);
      i = j;
    } else if (c === '?') {
      at = b.edge(at, allBut(0, SLASH));
      i += 1;
    } else if (c === '[') {
      const br = bracket(p, i);
      at = b.edge(at, br.set);
      i = br.next;
    } else if (c === '{') {
      const g = braceGroup(p, i);
      if (g.next > to) throw new AareError(`unbalanced "{" at offset ${i} of ${JSON.stringify(p)}`);
      const end = b.state();
      for (const [s, e] of g.alts) {
        const head = b.state();
        b.states[at]!.eps.push(head);
        b.states[sequence(b, s, e, head)]!.eps.push(end);
      }
      at = end;
      i = g.next;
    } else if (c === '}') {
      throw new AareError(`unbalanced "}" at offset ${i} of ${JSON.stringify(p)}`);
    } else if (c === '@' && p[i + 1] === '{') {
      throw new AareError(`variable ${p.slice(i, p.indexOf('}', i) + 1)} was not expanded`);
    } else {
      const lit = c === '\\' ? escapeAt(p, i) : literalAt(p, i);
      at = b.bytes(at, lit.bytes);
      i = lit.next;
    }
  }
  return at;
}

/** Compile a pattern (variables expanded, slashes collapsed); throws AareError where apparmor_parser would refuse it. */
export function compileAare(pattern: string): Aare {
  const b = new Builder(pattern);
  const start = b.state();
  const accept = sequence(b, 0, pattern.length, start);
  const literal = /^[^*?[\]{}\\@]*/.exec(pattern)![0];
  return { source: pattern, prefix: Buffer.from(literal, 'utf8'), states: b.states, start, accept };
}

function closure(states: readonly State[], set: Set<number>): Set<number> {
  const stack = [...set];
  while (stack.length > 0) {
    const s = stack.pop()!;
    for (const t of states[s]!.eps) {
      if (!set.has(t)) {
        set.add(t);
        stack.push(t);
      }
    }
  }
  return set;
}

/** Whether the pattern matches the whole path (compared as UTF-8 bytes). */
export function aareMatches(aare: Aare, path: string | Uint8Array): boolean {
  const bytes = typeof path === 'string' ? Buffer.from(path, 'utf8') : path;
  if (bytes.length < aare.prefix.length) return false;
  for (let i = 0; i < aare.prefix.length; i++) if (bytes[i] !== aare.prefix[i]) return false;
  let current = closure(aare.states, new Set([aare.start]));
  for (const byte of bytes) {
    const next = new Set<number>();
    for (const s of current) for (const e of aare.states[s]!.edges) if (e.set[byte]) next.add(e.to);
    if (next.size === 0) return false;
    current = closure(aare.states, next);
  }
  return current.has(aare.accept);
}

/** Runs of "/" collapsed to one, as apparmor_parser does to every path after variable expansion. */
export function collapseSlashes(pattern: string): string {
  return pattern.replace(/\/{2,}/g, '/');
}

/** Whether the pattern text holds any glob (unescaped * ? [ {). */
export function hasGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') i += 1;
    else if ('*?[{'.includes(c)) return true;
  }
  return false;
}
