// Parsing JSON text so that a syntax error becomes one finding with the line and column where it happened.
// V8's messages differ between Node versions and some carry no position, so the position comes from our own scan.
import { finding, type Finding } from './types.js';

/** The 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: clamped - lineStart + 1 };
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** A strict JSON scanner (RFC 8259) that only locates the first syntax error. */
class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  run(): void {
    this.ws();
    this.value();
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected text after the JSON value');
  }

  private fail(reason: string, at = this.i): never {
    throw new SyntaxAt(at, reason);
  }

  private describe(): string {
    return this.i >= this.s.length ? 'end of input' : JSON.stringify(this.s[this.i]);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++;
  }

  private value(): void {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(`expected a value, found ${this.describe()}`);
  }

  private object(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"')
        this.fail(
          this.s[this.i] === '}'
            ? 'trailing comma before "}"'
            : `expected a "quoted" member name, found ${this.describe()}`,
        );
      this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ":" after the member name, found ${this.describe()}`);
      this.i++;
      this.ws();
      this.value();
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return;
      }
      this.fail(`expected "," or "}" after a member, found ${this.describe()}`);
    }
  }

  private array(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] === ']') this.fail('trailing comma before "]"');
      this.value();
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        continue;
      }
      if (this.s[this.i] === ']') {
        this.i++;
        return;
      }
      this.fail(`expected "," or "]" after an element, found ${this.describe()}`);
    }
  }

  private string(): void {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail('control character (e.g. a raw newline) inside a string');
      if (c === 0x5c) {
        const e = this.s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape in a string');
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`bad escape "\\${e ?? ''}" in a string`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.fail('unterminated string', start);
  }

  private number(): void {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(this.s.slice(this.i));
    if (!m || m[0] === '-') this.fail('malformed number');
    this.i += m[0].length;
  }
}

/** Where and why JSON text is not valid, or undefined if it is. */
export function findJsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  try {
    new Scanner(text).run();
    return undefined;
  } catch (err) {
    if (err instanceof SyntaxAt) return { offset: err.offset, reason: err.message };
    throw err;
  }
}

/** Parse JSON; on a syntax error return a single error finding that names the line and column. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; finding: Finding } {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const located = findJsonSyntaxError(body) ?? { offset: body.length, reason: (err as Error).message };
    const { line, column } = lineColumn(body, located.offset);
    return {
      ok: false,
      finding: finding('error', `not valid JSON: ${located.reason}`, `line ${line}, column ${column}`),
    };
  }
}
