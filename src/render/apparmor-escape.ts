// Escaping for AppArmor profiles. The traced program chooses the file names it touches, so a path must never be able to
// write a rule: every path is emitted double-quoted, and every character that the grammar or the glob syntax would
// interpret is escaped. Each rule below was checked against apparmor_parser 3.0.8 (`-Q -K -D dfa-states`):
//   \042  \134                 a literal quote / backslash, as octal: the lexer reads a quoted string as
//                              "([^"]|\")*" with longest match, so `\\` just before the closing quote would swallow
//                              the quote and run on to the next rule's quote; octal never puts a backslash next to a quote
//   \*  \?  \[  \]  \{  \}  \^  a literal glob character (quoting alone leaves globbing active)
//   \@                          a literal "@" ("@{" would start a variable)
//   \NNN (3 octal digits)       the byte NNN: used for control characters and non-printable Unicode (UTF-8 bytes)
//   ,  #  space  $  raw          literal inside quotes (not a separator, not a comment)
// NUL, lone surrogates and U+FFFD (a name that was not valid UTF-8) cannot stand for their bytes: they become `?`
// (one character, never "/"), which is broader by one character, and a warning says so.
import type { PathPart } from '../analyze/policy-types.js';
import { checkName } from '../util/names.js';

const GLOB_CHARS = new Set(['*', '?', '[', ']', '{', '}', '^', '@']);
const PRINTABLE_UNICODE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function octal(byte: number): string {
  return `\\${byte.toString(8).padStart(3, '0')}`;
}

/** Literal text as the inside of an AppArmor quoted path; `warn` hears about characters widened to `?`. */
export function escapeLiteral(text: string, warn: (message: string) => void): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') {
      out += octal(cp);
    } else if (GLOB_CHARS.has(ch)) {
      out += `\\${ch}`;
    } else if (cp === 0) {
      out += '?';
      warn('NUL byte rendered as "?" (a path cannot hold NUL)');
    } else if (cp < 0x20 || cp === 0x7f) {
      out += octal(cp);
    } else if (cp < 0x7f) {
      out += ch;
    } else if (cp === 0xfffd) {
      out += '?';
      warn('U+FFFD (bytes that were not valid UTF-8) rendered as "?", which matches one byte of any value except "/"');
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      out += '?';
      warn('a lone UTF-16 surrogate rendered as "?"');
    } else if (PRINTABLE_UNICODE.test(ch)) {
      out += ch;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += octal(b);
    }
  }
  return out;
}

/** A glob part as AppArmor writes it. */
function globText(glob: Extract<PathPart, { glob: string }>['glob']): string {
  switch (glob) {
    case '*':
    case '**':
    case '?':
    case '@{pid}':
    case '@{tid}':
      return glob;
  }
}

/** The double-quoted AppArmor form of a path pattern, or a refusal when it is not absolute. */
export function quotePattern(parts: readonly PathPart[]): { text: string; warnings: string[] } | { refused: string } {
  const first = parts[0];
  if (!first || !('lit' in first) || !first.lit.startsWith('/')) {
    return { refused: 'not an absolute path' };
  }
  const warnings = new Set<string>();
  const body = parts
    .map((p) => ('lit' in p ? escapeLiteral(p.lit, (m) => warnings.add(m)) : globText(p.glob)))
    .join('');
  return { text: `"${body}"`, warnings: [...warnings] };
}

/** Text safe inside a `#` comment: one line of printable ASCII without quotes or backslashes (anything else becomes "?"). */
export function commentText(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '?');
}

/** The profile name, or an exit-2 error quoting it (the one name rule, src/util/names.ts). */
export function checkProfileName(name: string): string {
  return checkName(name, 'profile name');
}
