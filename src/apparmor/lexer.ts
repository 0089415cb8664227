// Splits AppArmor policy text into statements, as apparmor_parser reads it: `#include`/`include` and variable
// assignments are line-based; rules end at a "," outside quotes, braces and parentheses, and may span lines (dbus rules
// in the abstractions do); blocks open with a "{" standing on its own after a head (profile, hat, qualifier block) and
// close with "}"; "#" starts a comment only at the start of a token, outside quotes.

/** Where a statement starts: the file (as the caller named it) and its 1-based line. */
export interface Where {
  file: string;
  line: number;
}

/** One statement of a policy file. */
export type LexItem =
  | { kind: 'include'; ref: string; magic: boolean; ifExists: boolean; where: Where }
  | { kind: 'assign'; name: string; append: boolean; values: string[]; where: Where }
  | { kind: 'open'; head: string; where: Where }
  | { kind: 'close'; where: Where }
  | { kind: 'rule'; text: string; where: Where };

/** Text for a message: quoted, control characters escaped, at most 80 characters. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** A statement the lexer cannot read, with where. */
export class PolicySyntaxError extends Error {
  constructor(
    readonly where: Where,
    message: string,
  ) {
    super(`${where.file}:${where.line}: ${message}`);
    this.name = 'PolicySyntaxError';
  }
}

const INCLUDE = /^\s*(?:#include|include)(\s+if\s+exists)?\s+(?:<([^>]*)>|"((?:[^"\\]|\\.)*)")\s*(?:#.*)?$/;
const ASSIGN = /^\s*@\{([A-Za-z][A-Za-z0-9_]*)\}\s*(\+?=)(.*)$/;
const BOOLEAN = /^\s*\$\{?[A-Za-z][A-Za-z0-9_]*\}?\s*=.*$/;

/** Values of an assignment: whitespace-separated, quotes removed (an empty "" is a value), comment dropped. */
export function assignmentValues(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(#.*)$|([^\s"]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[2] !== undefined) break;
    out.push(m[1] ?? m[3]!);
  }
  return out;
}

interface Scan {
  cur: string;
  start: Where | undefined;
  quote: boolean;
  brace: number;
  paren: number;
}

class Lexer {
  readonly items: LexItem[] = [];
  private s: Scan = { cur: '', start: undefined, quote: false, brace: 0, paren: 0 };
  constructor(private readonly file: string) {}

  private at(line: number): Where {
    return { file: this.file, line };
  }

  private blank(): boolean {
    return !this.s.quote && this.s.cur.trim() === '';
  }

  private add(c: string, line: number): void {
    if (this.s.cur.trim() === '' && !/\s/.test(c)) this.s.start = this.at(line);
    this.s.cur += c;
  }

  private take(): { text: string; where: Where } {
    const out = { text: this.s.cur.trim(), where: this.s.start! };
    this.s = { cur: '', start: undefined, quote: false, brace: 0, paren: 0 };
    return out;
  }

  /** A line-based statement at the start of a line, or false. */
  private lineStatement(raw: string, line: number): boolean {
    const inc = INCLUDE.exec(raw);
    if (inc) {
      const magic = inc[2] !== undefined;
      this.items.push({
        kind: 'include',
        ref: magic ? inc[2]!.trim() : inc[3]!,
        magic,
        ifExists: inc[1] !== undefined,
        where: this.at(line),
      });
      return true;
    }
    const asg = ASSIGN.exec(raw);
    if (asg) {
      const values = assignmentValues(asg[3]!);
      this.items.push({ kind: 'assign', name: asg[1]!, append: asg[2] === '+=', values, where: this.at(line) });
      return true;
    }
    return BOOLEAN.test(raw);
  }

  private open(line: number): void {
    const { text, where } = this.s.cur.trim() === '' ? { text: '', where: this.at(line) } : this.take();
    this.items.push({ kind: 'open', head: text, where });
  }

  private close(line: number): void {
    if (this.s.cur.trim() !== '') {
      const { text, where } = this.take();
      throw new PolicySyntaxError(where, `rule not ended by ",": ${excerpt(text)}`);
    }
    this.items.push({ kind: 'close', where: this.at(line) });
  }

  private comma(line: number): void {
    if (this.s.cur.trim() === '') throw new PolicySyntaxError(this.at(line), 'a "," with no rule before it');
    const { text, where } = this.take();
    this.items.push({ kind: 'rule', text, where });
  }

  /** One character outside quotes; returns how many characters of the line it used. */
  private char(c: string, after: string, line: number): number {
    const s = this.s;
    if (c === '"') {
      this.add(c, line);
      s.quote = true;
    } else if (c === '\\' && after !== '') {
      this.add(c + after[0]!, line);
      return 2;
    } else if (c === '{' && s.brace === 0 && s.paren === 0 && /(^|[\s)])$/.test(s.cur) && /^(\s|$)/.test(after)) {
      this.open(line);
    } else if (c === '}' && s.brace === 0) {
      this.close(line);
    } else if (c === ',' && s.brace === 0 && s.paren === 0) {
      this.comma(line);
    } else {
      if (c === '{') s.brace += 1;
      else if (c === '}') s.brace -= 1;
      else if (c === '(') s.paren += 1;
      else if (c === ')') s.paren = Math.max(0, s.paren - 1);
      this.add(c, line);
    }
    return 1;
  }

  /** Scan one line's characters; the state carries over to the next line. */
  line(raw: string, line: number): void {
    if (this.blank() && this.lineStatement(raw, line)) return;
    for (let i = 0; i < raw.length;) {
      const c = raw[i]!;
      const s = this.s;
      if (s.quote) {
        s.cur += c;
        if (c === '\\' && i + 1 < raw.length) s.cur += raw[++i]!;
        else if (c === '"') s.quote = false;
        i += 1;
      } else if (c === '#' && (s.cur === '' || /\s$/.test(s.cur))) {
        return;
      } else {
        i += this.char(c, raw.slice(i + 1), line);
      }
    }
    if (this.s.cur !== '') this.s.cur += this.s.quote ? '\n' : ' ';
  }

  finish(): LexItem[] {
    if (this.s.cur.trim() !== '') {
      const where = this.s.start!;
      const what = this.s.quote ? 'unterminated quoted string' : `rule not ended by ","`;
      throw new PolicySyntaxError(where, `${what}: ${excerpt(this.s.cur.trim())}`);
    }
    return this.items;
  }
}

/** The statements of one policy file; throws PolicySyntaxError with the file and line. */
export function lexPolicy(text: string, file: string): LexItem[] {
  const lexer = new Lexer(file);
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => lexer.line(raw, i + 1));
  return lexer.finish();
}
