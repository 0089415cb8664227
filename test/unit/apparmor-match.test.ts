// AppArmor path matching: the globbing cases apparmor.d(5) defines, and the same patterns (with variables, escapes,
// alternations and deny/owner rules) checked path by path against the DFA apparmor_parser itself builds.
import { describe, expect, it } from 'vitest';
import { aareMatches, AareError, compileAare, type Aare } from '../../src/apparmor/aare.js';
import { compileProfile } from '../../src/apparmor/compile.js';
import { grantedOn } from '../../src/verify/apparmor-check.js';
import { quotePattern } from '../../src/render/apparmor-escape.js';
import { compileDfa, dfaAllow, maskPerms, PARSER } from './apparmor-dfa.js';
import { policy, SYSTEM_INCLUDES, systemIncludes } from './apparmor-helpers.js';

const m = (pattern: string, path: string) => aareMatches(compileAare(pattern), path);

describe('the globbing table of apparmor.d(5)', () => {
  it('* is any number of characters except /', () => {
    expect(m('/a/*', '/a/b')).toBe(true);
    expect(m('/a/*', '/a/bcd.e')).toBe(true);
    expect(m('/a/*', '/a/b/c')).toBe(false);
    expect(m('/a/x*', '/a/x')).toBe(true);
    expect(m('/a/*.so', '/a/.so')).toBe(true);
  });

  it('** is any number of characters including /', () => {
    expect(m('/a/**', '/a/b')).toBe(true);
    expect(m('/a/**', '/a/b/c/d')).toBe(true);
    expect(m('/a/**.so*', '/a/b/c/libx.so.1')).toBe(true);
    expect(m('/a/**', '/b/c')).toBe(false);
  });

  it('? is one character except /', () => {
    expect(m('/a/?', '/a/b')).toBe(true);
    expect(m('/a/?', '/a/bc')).toBe(false);
    expect(m('/a/?', '/a//')).toBe(false);
    expect(m('/a?b', '/a/b')).toBe(false);
  });

  it('[abc], [a-c] and [^a-c] are one character from (or not from) the set', () => {
    expect(['a', 'b', 'c', 'd'].map((c) => m('/x/[abc]', `/x/${c}`))).toEqual([true, true, true, false]);
    expect(['a', 'b', 'c', 'd'].map((c) => m('/x/[a-c]', `/x/${c}`))).toEqual([true, true, true, false]);
    expect(['a', 'c', 'd', 'z'].map((c) => m('/x/[^a-c]', `/x/${c}`))).toEqual([false, false, true, true]);
    // a negated set is any other byte, "/" included (the parser's DFA says so)
    expect(m('/x[^a]y', '/x/y')).toBe(true);
  });

  it('{ab,cd} is one rule per alternative, nested, with empty alternatives', () => {
    expect(['/x/ab', '/x/cd', '/x/ac'].map((p) => m('/x/{ab,cd}', p))).toEqual([true, true, false]);
    expect(
      ['/usr/lib/a', '/lib/a', '/usr/lib64/a', '/usr/lib32/a', '/usr/lib/x/a'].map((p) =>
        m('/{usr/,}lib{,32,64}/*', p),
      ),
    ).toEqual([true, true, true, true, false]);
    expect(['/x/a', '/x/ab', '/x/abc', '/x/ad'].map((p) => m('/x/a{,b{,c}}', p))).toEqual([true, true, true, false]);
  });

  it('only rules ending in / match directories; /tmp/* and /tmp/** do not match /tmp/ itself', () => {
    expect(m('/tmp/*', '/tmp/f')).toBe(true);
    expect(m('/tmp/*', '/tmp/d/')).toBe(false);
    expect(m('/tmp/*', '/tmp/')).toBe(false);
    expect(m('/tmp/*/', '/tmp/d/')).toBe(true);
    expect(m('/tmp/*/', '/tmp/f')).toBe(false);
    expect(m('/tmp/**', '/tmp/a/b')).toBe(true);
    expect(m('/tmp/**', '/tmp/a/b/')).toBe(true);
    expect(m('/tmp/**', '/tmp/')).toBe(false);
    expect(m('/tmp/**/', '/tmp/a/b/')).toBe(true);
    expect(m('/tmp/**/', '/tmp/a/b')).toBe(false);
    expect(m('/tmp/**/', '/tmp/')).toBe(false);
    expect(m('/dir/', '/dir/')).toBe(true);
    expect(m('/dir/', '/dir')).toBe(false);
    expect(m('/dir', '/dir/')).toBe(false);
  });

  it('/dir/** reaches every depth, /dir/* one level', () => {
    expect(m('/dir/**', '/dir/a/b/c')).toBe(true);
    expect(m('/dir/*', '/dir/a/b/c')).toBe(false);
    expect(m('/dir/*', '/dir/a')).toBe(true);
  });

  it('escapes: \\* is a literal star, octal, hex and decimal bytes, control characters; paths compared as UTF-8 bytes', () => {
    expect(m('/a/\\*x', '/a/*x')).toBe(true);
    expect(m('/a/\\*x', '/a/bx')).toBe(false);
    expect(m('/a/\\052\\134', '/a/*\\')).toBe(true);
    expect(m('/a/\\x41\\d066', '/a/AB')).toBe(true);
    expect(m('/a/b\\nc', '/a/b\nc')).toBe(true);
    expect(m('/a/\\134*', '/a/\\xyz')).toBe(true);
    expect(m('/a/?', '/a/é')).toBe(false); // two bytes
    expect(m('/a/??', '/a/é')).toBe(true);
    expect(m('/a/[é]', '/a/\u00e9')).toBe(false); // each byte alone, never the pair
  });

  it('refuses what apparmor_parser refuses', () => {
    for (const bad of [
      '/a/[a-]',
      '/a/[b-a]',
      '/a/{b,c',
      '/a/b}',
      '/a/[]',
      '/a/[]b]',
      '/a/[abc',
      '/a/@{x}',
      '/a/{b}',
      '/a/{}',
    ])
      expect(() => compileAare(bad), bad).toThrow(AareError);
  });
});

/** Sample paths a pattern matches: random walks through its NFA over printable bytes (seeded, so deterministic). */
function samples(aare: Aare, count: number, seed: number): string[] {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const prefer = [...'abcxyz019./-_'].map((c) => c.charCodeAt(0));
  const out = new Set<string>();
  for (let n = 0; n < count * 4 && out.size < count; n++) {
    let state = aare.start;
    let path = '';
    for (let step = 0; step < 60; step++) {
      const st = aare.states[state]!;
      const moves: Array<() => void> = [
        ...st.eps.map((t) => () => (state = t)),
        ...st.edges.map((e) => () => {
          const bytes = prefer.filter((b) => e.set[b]);
          const any = [...Array(127).keys()].filter((b) => b >= 32 && e.set[b]);
          const b = pick(bytes.length > 0 && rand() < 0.8 ? bytes : any.length > 0 ? any : [0x41]);
          path += String.fromCharCode(b);
          state = e.to;
        }),
      ];
      if (state === aare.accept && (moves.length === 0 || rand() < 0.4)) break;
      if (moves.length === 0) break;
      pick(moves)();
    }
    if (state === aare.accept && path.startsWith('/')) out.add(path);
  }
  return [...out];
}

/** Near misses of a path: one byte more, less, or changed, and with or without a trailing "/". */
function neighbours(p: string): string[] {
  return [
    p + 'x',
    p + '/',
    p.slice(0, -1),
    p.endsWith('/') ? p.slice(0, -1) : `${p}/`,
    p.replace(/[^/](?=[^/]*$)/, 'Q'),
  ];
}

/** Our permissions equal the real DFA's on every path, for any owner and for the file's owner. */
function expectSamePerms(text: string, paths: readonly string[]): void {
  const dfa = compileDfa(text);
  const pol = policy(text, systemIncludes);
  const compiled = compileProfile(pol, pol.profiles[0]!);
  for (const p of paths) {
    const real = maskPerms(dfaAllow(dfa, p));
    const ours = grantedOn(compiled, p);
    expect([...ours.other].sort(), `${p} (any owner)`).toEqual([...real.other].sort());
    expect([...ours.owner].sort(), `${p} (owner)`).toEqual([...real.owner].sort());
  }
}

const PATTERNS = [
  '/tmp/*',
  '/tmp/*/',
  '/tmp/**',
  '/tmp/**/',
  '/a/*b',
  '/a/**b',
  '/a/?',
  '/a/??x',
  '/a/[abc]',
  '/a/[a-c]x',
  '/a/[^a-c]',
  '/a/[^/]*',
  '/a/{b,c}',
  '/a/{b,c{d,e}}/f',
  '/a/{,x/}y',
  '/a/b{,/**}',
  '/{usr/,}lib{,32,64}/**.so*',
  '/a/*/b/**/c',
  '/a/\\*x',
  '"/a/b c"',
  '/a/x*y*z',
  '/*',
  '/a/{*,b}',
  '"/a/\\052\\134"',
  '/proc/@{pid}/{maps,status}',
  '@{HOME}/.x/**',
  '@{PROC}/sys/kernel/*',
  '/usr/lib/@{multiarch}/*.so*',
  '/a/***',
  '/a/*/**',
  '/a**',
  '/**/',
  '/a/**/b',
  '/{,a/}**',
  '/a/[-a]',
  '/a/[a\\-z]',
  '/a/{b,*}/c',
  '/a/?*',
];
const FIXED = [
  '/',
  '/tmp/',
  '/tmp/x',
  '/tmp/x/',
  '/tmp/x/y',
  '/a/b',
  '/a/bb',
  '/a/c',
  '/a//b',
  '/proc/1/maps',
  '/proc/42/status',
  '/proc/self/maps',
  '/root/.x/y',
  '/home/u/.x/z',
  '/home/u/v/.x/z',
  '/proc/sys/kernel/ngroups_max',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/libz.so',
  '/lib64/a/b.so.1',
];

describe.skipIf(!PARSER || !SYSTEM_INCLUDES)('matching, path by path, against the DFA apparmor_parser compiles', () => {
  it.each(PATTERNS)('%s', (pattern) => {
    const text = `#include <tunables/global>\nprofile t {\n  ${pattern} r,\n}\n`;
    const dfa = compileDfa(text);
    const pol = policy(text, systemIncludes);
    const compiled = compileProfile(pol, pol.profiles[0]!);
    const paths = new Set(FIXED);
    for (const rule of compiled.files)
      for (const a of rule.patterns)
        for (const s of samples(a, 12, 7)) [s, ...neighbours(s)].forEach((p) => paths.add(p));
    const disagree = [...paths].filter((p) => (dfaAllow(dfa, p) !== 0) !== grantedOn(compiled, p).other.has('r'));
    expect(disagree).toEqual([]);
    expect(
      [...paths].some((p) => dfaAllow(dfa, p) !== 0),
      'some sample matches',
    ).toBe(true);
  });

  it('deny rules win, owner rules grant only the owner, exec modes carry what the parser gives them', () => {
    const text = [
      '#include <tunables/global>',
      'profile t {',
      '  /d/** rwlkm,',
      '  deny /d/secret/** w,',
      '  deny /d/x a,',
      '  owner /o/** rw,',
      '  deny owner /d/own/* r,',
      '  audit /d/audited r,',
      '  /e/i ix,',
      '  /e/p px,',
      '  /e/u Ux,',
      '  /e/pi pix,',
      '  /e/ci Cix,',
      '  /e/* ux,',
      '  deny /e/no x,',
      '  /e/no ix,',
      '  /d/m m,',
      '}',
      '',
    ].join('\n');
    expectSamePerms(text, [
      '/d/a',
      '/d/secret/b',
      '/d/x',
      '/o/f',
      '/o/g/',
      '/d/own/f',
      '/d/audited',
      '/e/i',
      '/e/p',
      '/e/u',
      '/e/pi',
      '/e/ci',
      '/e/other',
      '/e/no',
      '/d/m',
      '/f/a',
      '/g/b',
      '/',
    ]);
  });

  it('a bare file rule grants r w a l k m ix everywhere, and deny rules cut into it', () => {
    // (a deny of "l" is compiled into the link-pair half of the DFA, which this walk does not take: not compared here)
    const lines = [
      '#include <tunables/global>',
      'profile t {',
      '  file,',
      '  deny /f/** wm,',
      '  deny owner /g/* r,',
      '}',
    ];
    const text = lines.join('\n') + '\n';
    expectSamePerms(text, ['/', '/a', '/f/a/b', '/f/', '/g/x', '/g/x/y']);
  });
});

describe.skipIf(!PARSER || !SYSTEM_INCLUDES)('paths tracewall quotes and escapes (apparmor-escape.ts)', () => {
  const HOSTILE = [
    '/tmp/new\nline',
    '/tmp/com,ma',
    '/tmp/quo"te',
    '/tmp/back\\slash',
    '/tmp/back\\',
    '/tmp/{br,ace}',
    '/tmp/#hash',
    '/tmp/@{pid}',
    '/tmp/**',
    '/tmp/[ab]?*^',
    '/tmp/tab\there',
    '/tmp/bidi\u202egnp.exe',
    '/tmp/üñí',
    '/tmp/sp ace',
  ];

  it.each(HOSTILE)('%j: the rendered rule grants exactly that path', (name) => {
    const quoted = quotePattern([{ lit: name }]);
    if ('refused' in quoted) throw new Error(quoted.refused);
    const text = `#include <tunables/global>\nprofile t {\n  ${quoted.text} r,\n}\n`;
    const pol = policy(text, systemIncludes);
    const compiled = compileProfile(pol, pol.profiles[0]!);
    expect(grantedOn(compiled, name).other.has('r')).toBe(true);
    const misses = [`${name}x`, name.slice(0, -1), name.replace(/[^/]$/, 'Q'), '/tmp/a', '/tmp/'];
    for (const miss of misses.filter((x) => x !== name))
      expect(grantedOn(compiled, miss).other.has('r'), miss).toBe(false);
    expectSamePerms(text, [name, ...misses]);
  });
});

/** A random AARE body from the pieces apparmor.d(5) defines (seeded). */
function randomPattern(rand: () => number, depth = 0): string {
  const pieces = ['a', 'b', 'c', '/', '/', '*', '**', '?', '[a-c]', '[^b]', '[ab/]', '\\*', '.'];
  const n = 1 + Math.floor(rand() * 5);
  let out = '';
  for (let i = 0; i < n; i++) {
    if (depth < 2 && rand() < 0.15) {
      const alts = Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        rand() < 0.2 ? '' : randomPattern(rand, depth + 1),
      );
      out += `{${alts.join(',')}}`;
    } else {
      out += pieces[Math.floor(rand() * pieces.length)];
    }
  }
  return out;
}

describe.skipIf(!PARSER || !SYSTEM_INCLUDES)('random patterns against the DFA apparmor_parser compiles', () => {
  it('random patterns (seeded), each under its own directory of one profile, agree path by path', () => {
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    // patterns the parser refuses ({a}, {}) are left out; compileAare refuses them too
    const patterns = Array.from(
      { length: 400 },
      (_, i) => `/p${String(i).padStart(3, '0')}/${randomPattern(rand)}`,
    ).filter((p) => {
      try {
        compileAare(p);
        return true;
      } catch {
        return false;
      }
    });
    expect(patterns.length).toBeGreaterThan(150);
    // apparmor_parser collapses "//"; so do we: both see the same rule
    const text = `profile t {\n${patterns.map((p) => `  "${p}" r,\n`).join('')}}\n`;
    const dfa = compileDfa(text);
    const differ: string[] = [];
    patterns.forEach((p, i) => {
      const aare = compileAare(p.replace(/\/{2,}/g, '/'));
      const paths = new Set([...samples(aare, 8, i + 1)].flatMap((x) => [x, ...neighbours(x)]));
      for (const path of paths) {
        const real = dfaAllow(dfa, path) !== 0;
        if (real !== aareMatches(aare, path)) differ.push(`${p} ${JSON.stringify(path)}: parser ${real}`);
      }
    });
    expect(differ).toEqual([]);
  });
});
