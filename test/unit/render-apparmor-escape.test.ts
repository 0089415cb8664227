import { describe, expect, it } from 'vitest';
import { escapeLiteral, quotePattern, commentText, checkProfileName } from '../../src/render/apparmor-escape.js';
import { APPARMOR_PARSER, dfaIsChain, dfaOf } from './render-helpers.js';

const escape = (s: string) => {
  const warnings: string[] = [];
  return { text: escapeLiteral(s, (m) => warnings.push(m)), warnings };
};

/** A minimal profile granting read on one quoted path; the trailing quote in a comment makes a run-away string fail. */
const profileFor = (quoted: string) => `profile t {\n  ${quoted} r,\n}\n# "\n`;

describe('escapeLiteral', () => {
  it('writes quote and backslash as octal and escapes every glob character', () => {
    expect(escape('a"b\\c*d?e[f]g{h}i^j@k').text).toBe('a\\042b\\134c\\*d\\?e\\[f\\]g\\{h\\}i\\^j\\@k');
  });
  it('never puts a backslash just before the closing quote, nor a raw quote inside', () => {
    for (const s of ['end\\', 'end"', 'a\\"', '\\\\', '"']) {
      const t = escape(s).text;
      expect(t).not.toMatch(/\\$/);
      expect(t).not.toContain('"');
    }
  });
  it('writes control characters as three-digit octal and keeps , # space raw', () => {
    expect(escape('a\nb\tc\x7fd\x01').text).toBe('a\\012b\\011c\\177d\\001');
    expect(escape('x, #y z').text).toBe('x, #y z');
  });
  it('keeps printable Unicode, octal-escapes invisible and bidi characters', () => {
    expect(escape('café-日本').text).toBe('café-日本');
    expect(escape('a\u202eb').text).toBe('a\\342\\200\\256b');
    expect(escape('a\u2028b').text).toBe('a\\342\\200\\250b');
    expect(escape('a\u00a0b').text).toBe('a\\302\\240b');
  });
  it('widens NUL, U+FFFD and lone surrogates to ? with a warning', () => {
    const r = escape('a\u0000b\ufffdc\ud800d');
    expect(r.text).toBe('a?b?c?d');
    expect(r.warnings).toHaveLength(3);
  });
});

describe('quotePattern', () => {
  it('quotes literal parts and writes globs as globs', () => {
    const r = quotePattern([{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/a*b' }]);
    expect(r).toEqual({ text: '"/proc/@{pid}/a\\*b"', warnings: [] });
  });
  it('refuses relative paths and patterns that start with a glob', () => {
    expect(quotePattern([{ lit: 'etc/passwd' }])).toEqual({ refused: 'not an absolute path' });
    expect(quotePattern([{ glob: '**' }])).toEqual({ refused: 'not an absolute path' });
    expect(quotePattern([])).toEqual({ refused: 'not an absolute path' });
  });
});

describe('commentText and checkProfileName', () => {
  it('keeps comments on one printable line without quotes or backslashes', () => {
    expect(commentText('a\nb\u2028c"d\\e')).toBe('a?b?c?d?e');
  });
  it('accepts safe names and refuses anything that could change the profile line', () => {
    expect(checkProfileName('busybox-httpd_1.0')).toBe('busybox-httpd_1.0');
    for (const bad of ['', '-x', 'a b', 'a{', 'a,b', 'a\nb', '/abs', 'a"'])
      expect(() => checkProfileName(bad)).toThrow(/is not a valid name/);
  });
});

// Each escape, compiled by the real parser, must accept exactly "/a" + the character's bytes + "b" and nothing else.
describe.skipIf(!APPARMOR_PARSER)('escapes as apparmor_parser reads them', () => {
  const exact: Array<[string, string]> = [
    ['quote', '"'],
    ['backslash', '\\'],
    ['star', '*'],
    ['double star', '**'],
    ['question mark', '?'],
    ['open bracket', '['],
    ['close bracket', ']'],
    ['open brace', '{'],
    ['close brace', '}'],
    ['caret', '^'],
    ['at', '@'],
    ['variable', '@{pid}'],
    ['comma', ','],
    ['hash', '#'],
    ['space', ' '],
    ['dollar', '$'],
    ['newline', '\n'],
    ['tab', '\t'],
    ['carriage return', '\r'],
    ['DEL', '\x7f'],
    ['SOH', '\x01'],
    ['octal-looking', '\n7'],
    ['UTF-8', 'é'],
    ['RLO', '\u202e'],
    ['injection', 'x",\n/** rwix,\n"'],
    ['trailing backslash', '\\'],
    ['backslash quote', '\\"'],
    ['every printable ASCII', Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')],
  ];
  for (const [label, ch] of exact) {
    it(`${label} is matched literally`, () => {
      const quoted = quotePattern([{ lit: `/a${ch}b` }]);
      if ('refused' in quoted) throw new Error('refused');
      const bytes = [...Buffer.from(`/a${ch}b`, 'utf8')];
      expect(dfaIsChain(dfaOf(profileFor(quoted.text)), bytes)).toBe(true);
    });
  }
  for (const end of ['\\', '"', '\\\\', '*']) {
    it(`a path ending in ${JSON.stringify(end)} is matched literally`, () => {
      const quoted = quotePattern([{ lit: `/a${end}` }]);
      if ('refused' in quoted) throw new Error('refused');
      expect(dfaIsChain(dfaOf(profileFor(quoted.text)), [...Buffer.from(`/a${end}`, 'utf8')])).toBe(true);
    });
  }
  it('the check itself notices an unescaped glob (control)', () => {
    expect(dfaIsChain(dfaOf(profileFor('"/a*b"')), [...Buffer.from('/a*b')])).toBe(false);
    expect(dfaIsChain(dfaOf(profileFor('"/a?b"')), [...Buffer.from('/a?b')])).toBe(false);
    expect(() => dfaOf(profileFor('"/a\\\\"'))).toThrow(/apparmor_parser failed/);
  });
  for (const [label, ch] of [
    ['NUL', '\u0000'],
    ['U+FFFD', '\ufffd'],
  ] as const) {
    it(`${label} becomes one non-slash character`, () => {
      const quoted = quotePattern([{ lit: `/a${ch}b` }]);
      if ('refused' in quoted) throw new Error('refused');
      expect(dfaIsChain(dfaOf(profileFor(quoted.text)), [0x2f, 0x61, null, 0x62])).toBe(true);
    });
  }
});
