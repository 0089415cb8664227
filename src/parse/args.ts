// A forgiving tokenizer for strace argument lists: strings, fds with -yy decorations, arrays, structs, calls, flag words.
import { decodeQuoted } from './cstring.js';
import { decodeDecoration, decorationEnd, type FdInfo } from './decoration.js';

/** One argument value as strace printed it. */
export type ArgValue =
  | { t: 'str'; text: string; invalidUtf8: boolean; truncated: boolean; abstract: boolean }
  | { t: 'fd'; fd: string; info: FdInfo; deleted: boolean }
  | { t: 'word'; text: string }
  | { t: 'array'; items: Arg[] }
  | { t: 'struct'; fields: Arg[] }
  | { t: 'call'; name: string; args: Arg[] }
  | { t: 'seq'; parts: ArgValue[] };

/** A list element: `key=value` in structs and some top-level lists (clone), otherwise key is null. */
export interface Arg {
  key: string | null;
  value: ArgValue;
}

const EMPTY: ArgValue = { t: 'word', text: '' };

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

// Characters that end a bare word.
function isWordStop(c: number): boolean {
  return isSpace(c) || c === 44 || c === 34 || c === 91 || c === 93 || c === 123 || c === 125 || c === 40 || c === 41;
}

function isCloser(c: number): boolean {
  return c === 41 || c === 93 || c === 125;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57) || c === 46;
}

function decorates(word: string): boolean {
  return word === 'AT_FDCWD' || /^-?\d+$/.test(word);
}

class Tokenizer {
  i = 0;
  constructor(readonly s: string) {}

  skipSpaceAndComments(): void {
    const s = this.s;
    for (;;) {
      while (this.i < s.length && isSpace(s.charCodeAt(this.i))) this.i++;
      if (s.charCodeAt(this.i) === 47 && s.charCodeAt(this.i + 1) === 42) {
        const close = s.indexOf('*/', this.i + 2);
        this.i = close < 0 ? s.length : close + 2;
        continue;
      }
      return;
    }
  }

  // Items until `closer` (a char code) or the end (or `max` items); never throws, always advances.
  list(closer: number, max = Infinity): Arg[] {
    const s = this.s;
    const out: Arg[] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= s.length || out.length >= max) return out;
      const c = s.charCodeAt(this.i);
      if (c === closer) { this.i++; return out; }
      if (isCloser(c)) {
        if (closer === -1) { this.i++; continue; }
        return out;
      }
      out.push(this.item(closer));
      this.skipSpaceAndComments();
      if (s.charCodeAt(this.i) === 44) this.i++;
    }
  }

  item(closer: number): Arg {
    const s = this.s;
    let key: string | null = null;
    // key=value, but not `a == b` or `{...} => {...}`.
    if (isIdentStart(s.charCodeAt(this.i))) {
      let j = this.i + 1;
      while (j < s.length && isIdentChar(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) === 61 && s.charCodeAt(j + 1) !== 61 && s.charCodeAt(j + 1) !== 62) {
        key = s.slice(this.i, j);
        this.i = j + 1;
      }
    }
    const parts: ArgValue[] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= s.length) break;
      const c = s.charCodeAt(this.i);
      if (c === 44 || isCloser(c)) {
        if (c === closer || closer !== -1 || c === 44) break;
        // Stray closer at top level: take it as text so parsing moves on.
        parts.push({ t: 'word', text: s[this.i]! });
        this.i++;
        continue;
      }
      parts.push(this.term());
    }
    const value = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : { t: 'seq' as const, parts };
    return { key, value };
  }

  term(): ArgValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 34) return this.str(false);
    if (c === 64 /* @ */ && s.charCodeAt(this.i + 1) === 34) {
      this.i++;
      return this.str(true);
    }
    if (c === 91) { this.i++; return { t: 'array', items: this.list(93) }; }
    if (c === 123) { this.i++; return { t: 'struct', fields: this.list(125) }; }
    if (c === 40) { this.i++; return { t: 'call', name: '', args: this.list(41) }; }
    const start = this.i;
    while (this.i < s.length) {
      const d = s.charCodeAt(this.i);
      if (isWordStop(d)) break;
      if (d === 60 /* < */ && decorates(s.slice(start, this.i)) && s.charCodeAt(this.i + 1) !== 60) break;
      this.i++;
    }
    const word = s.slice(start, this.i);
    const next = s.charCodeAt(this.i);
    if (next === 40 && word.length > 0) {
      this.i++;
      return { t: 'call', name: word, args: this.list(41) };
    }
    if (next === 60 && word.length > 0) {
      const end = decorationEnd(s, this.i);
      if (end > 0) {
        const info = decodeDecoration(s.slice(this.i + 1, end));
        this.i = end + 1;
        let deleted = false;
        if (s.startsWith('(deleted)', this.i)) { deleted = true; this.i += 9; }
        return { t: 'fd', fd: word, info, deleted };
      }
      // An unclosed decoration: keep the rest as text.
      const text = s.slice(start);
      this.i = s.length;
      return { t: 'word', text };
    }
    if (word.length === 0) {
      // A character no rule takes: consume it so parsing always advances.
      this.i++;
      return { t: 'word', text: s[start] ?? '' };
    }
    return { t: 'word', text: word };
  }

  str(abstract: boolean): ArgValue {
    const d = decodeQuoted(this.s, this.i);
    this.i = d.end;
    return { t: 'str', text: d.text, invalidUtf8: d.invalidUtf8, truncated: d.truncated, abstract };
  }
}

/** Parse an argument list (the text between a syscall's parentheses), or only its first `max` arguments. Never throws. */
export function parseArgs(text: string, max = Infinity): Arg[] {
  return new Tokenizer(text).list(-1, max);
}

/** The first string in a value (a plain string, or inside a seq), or null. */
export function asString(v: ArgValue | undefined): Extract<ArgValue, { t: 'str' }> | null {
  if (!v) return null;
  if (v.t === 'str') return v;
  if (v.t === 'seq') for (const p of v.parts) if (p.t === 'str') return p;
  return null;
}

/** A value printed back as compact text (words as-is, strings quoted), for flag sets and reasons. */
export function valueText(v: ArgValue | undefined): string {
  if (!v) return '';
  switch (v.t) {
    case 'word': return v.text;
    case 'str': return (v.abstract ? '@' : '') + JSON.stringify(v.text);
    case 'fd': return v.fd;
    case 'array': return `[${v.items.map((a) => argText(a)).join(', ')}]`;
    case 'struct': return `{${v.fields.map((a) => argText(a)).join(', ')}}`;
    case 'call': return `${v.name}(${v.args.map((a) => argText(a)).join(', ')})`;
    case 'seq': return v.parts.map(valueText).join(' ');
  }
}

function argText(a: Arg): string {
  return a.key === null ? valueText(a.value) : `${a.key}=${valueText(a.value)}`;
}

/** The field of a struct (or keyed list) with this key. */
export function field(list: Arg[] | undefined, key: string): ArgValue | undefined {
  if (!list) return undefined;
  for (const a of list) if (a.key === key) return a.value;
  return undefined;
}

/** The elements of an `A|B|C` flag word (empty for non-words). */
export function flagSet(v: ArgValue | undefined): string[] {
  if (!v || v.t !== 'word' || v.text === '') return [];
  return v.text.split('|');
}
