// A forgiving tokenizer for strace argument lists: strings, fds with -yy decorations, arrays, structs, calls, flag words.
import { codeAt } from './chars.js';
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

/** Whether the word s[from, to) is one strace puts an -yy decoration after: AT_FDCWD or an fd number (/^-?\d+$/). */
function decorates(s: string, from: number, to: number): boolean {
  if (to - from === 8 && s.startsWith('AT_FDCWD', from)) return true;
  let i = codeAt(s, from) === 45 /* - */ ? from + 1 : from;
  if (i >= to) return false;
  while (i < to) {
    const c = s.charCodeAt(i++);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// Scans over runs of characters. Reads are kept inside the string (see codeAt).

/** Past the spaces and comments at i. */
function spaceEnd(s: string, i: number): number {
  const n = s.length;
  for (;;) {
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    if (i + 1 < n && s.charCodeAt(i) === 47 && s.charCodeAt(i + 1) === 42) {
      const close = s.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    return i;
  }
}

/** Past the identifier characters at i. */
function identEnd(s: string, i: number): number {
  const n = s.length;
  while (i < n && isIdentChar(s.charCodeAt(i))) i++;
  return i;
}

/** The end of the bare word at `start`: a word stop, or the `<` of an -yy decoration after an fd word. */
function wordEnd(s: string, start: number): number {
  const n = s.length;
  let i = start;
  while (i < n) {
    const d = s.charCodeAt(i);
    if (isWordStop(d)) break;
    if (d === 60 /* < */ && decorates(s, start, i) && codeAt(s, i + 1) !== 60) break;
    i++;
  }
  return i;
}

class Tokenizer {
  i = 0;
  constructor(readonly s: string) {}

  skipSpaceAndComments(): void {
    this.i = spaceEnd(this.s, this.i);
  }

  // Items until `closer` (a char code) or the end (or `max` items); never throws, always advances.
  list(closer: number, max = Infinity): Arg[] {
    const s = this.s;
    const out: Arg[] = [];
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= s.length || out.length >= max) return out;
      const c = s.charCodeAt(this.i);
      if (c === closer) {
        this.i++;
        return out;
      }
      if (isCloser(c)) {
        if (closer === -1) {
          this.i++;
          continue;
        }
        return out;
      }
      out.push(this.item(closer));
      this.skipSpaceAndComments();
      if (codeAt(s, this.i) === 44) this.i++;
    }
  }

  item(closer: number): Arg {
    const s = this.s;
    // A lone string, the commonest item (a path): nothing but a separator, a closer or the end after it.
    if (codeAt(s, this.i) === 34) {
      const value = this.str(false);
      const next = codeAt(s, this.i);
      if (next === 44 || next === -1 || (closer !== -1 && isCloser(next))) return { key: null, value };
      return { key: null, value: this.terms(closer, value) };
    }
    let key: string | null = null;
    // key=value, but not `a == b` or `{...} => {...}`.
    if (isIdentStart(codeAt(s, this.i))) {
      const j = identEnd(s, this.i + 1);
      if (codeAt(s, j) === 61 && codeAt(s, j + 1) !== 61 && codeAt(s, j + 1) !== 62) {
        key = s.slice(this.i, j);
        this.i = j + 1;
      }
    }
    return { key, value: this.terms(closer, null) };
  }

  // The terms of an item up to its end (a separator, a closer, the end), after `first` when it has one already.
  terms(closer: number, first: ArgValue | null): ArgValue {
    const s = this.s;
    // Most items have one term, so the list is made only for a second.
    let parts: ArgValue[] | null = null;
    for (;;) {
      this.skipSpaceAndComments();
      if (this.i >= s.length) break;
      const c = s.charCodeAt(this.i);
      let term: ArgValue;
      if (c === 44 || isCloser(c)) {
        if (c === closer || closer !== -1 || c === 44) break;
        // Stray closer at top level: take it as text so parsing moves on.
        term = { t: 'word', text: s[this.i]! };
        this.i++;
      } else {
        term = this.term();
      }
      if (first === null) first = term;
      else (parts ??= [first]).push(term);
    }
    return first === null ? EMPTY : parts === null ? first : { t: 'seq' as const, parts };
  }

  term(): ArgValue {
    const s = this.s;
    const c = codeAt(s, this.i);
    if (c === 34) return this.str(false);
    if (c === 64 /* @ */ && codeAt(s, this.i + 1) === 34) {
      this.i++;
      return this.str(true);
    }
    if (c === 91) {
      this.i++;
      return { t: 'array', items: this.list(93) };
    }
    if (c === 123) {
      this.i++;
      return { t: 'struct', fields: this.list(125) };
    }
    if (c === 40) {
      this.i++;
      return { t: 'call', name: '', args: this.list(41) };
    }
    const start = this.i;
    const i = wordEnd(s, start);
    this.i = i;
    const word = s.slice(start, i);
    const next = codeAt(s, this.i);
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
        if (s.startsWith('(deleted)', this.i)) {
          deleted = true;
          this.i += 9;
        }
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
    case 'word':
      return v.text;
    case 'str':
      return (v.abstract ? '@' : '') + JSON.stringify(v.text);
    case 'fd':
      return v.fd;
    case 'array':
      return `[${v.items.map((a) => argText(a)).join(', ')}]`;
    case 'struct':
      return `{${v.fields.map((a) => argText(a)).join(', ')}}`;
    case 'call':
      return `${v.name}(${v.args.map((a) => argText(a)).join(', ')})`;
    case 'seq':
      return v.parts.map(valueText).join(' ');
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
