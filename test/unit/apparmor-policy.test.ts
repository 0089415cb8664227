// Reading AppArmor policy: includes, variables, multi-line rules, qualifier blocks, hats and child profiles, errors with
// file and line; and every abstraction Debian ships read by tracewall and by apparmor_parser alike, with the same
// permissions on sample paths as the DFA apparmor_parser builds from it.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProfile } from '../../src/apparmor/compile.js';
import { PolicySyntaxError } from '../../src/apparmor/lexer.js';
import { TracewallError } from '../../src/errors.js';
import { grantedOn } from '../../src/verify/apparmor-check.js';
import { compileDfa, dfaAllow, maskPerms, PARSER } from './apparmor-dfa.js';
import { memoryIncludes, policy, SYSTEM_INCLUDES, systemIncludes } from './apparmor-helpers.js';

describe('reading a policy', () => {
  const includes = memoryIncludes({
    'tunables/t': '@{T}=/t1/ /t2/\n@{T}+=/t3/\n',
    'abstractions/a':
      '  /from/abstraction r,\n  include if exists <local/none>\n  dbus send\n       bus=session\n       peer=(name=org.x),\n',
  });

  it('splices includes where they stand, reads variables (= and +=), multi-line rules and comments', () => {
    const p = policy(
      [
        '#include <tunables/t>',
        '@{OWN} = "/a b/" /c/  # two values',
        'profile x /usr/bin/x flags=(complain, attach_disconnected) {',
        '  #include <abstractions/a>',
        '  @{T}**.so  mr,',
        '  "/q,uo#te d" r,  # a comment',
        '  /p#not-a-comment w,',
        '  capability net_raw sys_admin,',
        '  network inet stream, network unix,',
        '  audit deny owner /secret/** rw,',
        '}',
      ].join('\n'),
      includes,
    );
    expect([...p.variables]).toEqual([
      ['T', ['/t1/', '/t2/', '/t3/']],
      ['OWN', ['/a b/', '/c/']],
    ]);
    const [x] = p.profiles;
    expect(x).toMatchObject({ name: 'x', attach: '/usr/bin/x', flags: ['complain', 'attach_disconnected'] });
    expect(x!.rules.map((r) => (r.kind === 'file' ? `${r.path} ${r.modes.join('')}` : r.kind))).toEqual([
      '/from/abstraction r',
      'other',
      '@{T}**.so mr',
      '/q,uo#te d r',
      '/p#not-a-comment w',
      'capability',
      'network',
      'network',
      '/secret/** rw',
    ]);
    expect(x!.rules.at(-1)).toMatchObject({ q: { deny: true, audit: true, owner: true } });
    const compiled = compileProfile(p, x!);
    expect(grantedOn(compiled, '/t3/lib/x.so').other).toEqual(new Set(['r', 'm']));
    expect(p.files).toEqual(['test.apparmor', 'tunables/t', 'abstractions/a']);
  });

  it('keeps child profiles and hats apart from the profile, and applies qualifier blocks', () => {
    const p = policy(
      'profile main {\n  /a r,\n  owner {\n    /o w,\n    deny /d w,\n  }\n  profile child /bin/c {\n    /c r,\n  }\n  ^hat {\n    /h r,\n  }\n}\n',
    );
    const main = p.profiles[0]!;
    expect(
      main.rules.map((r) =>
        r.kind === 'file' ? `${r.q.deny ? 'deny ' : ''}${r.q.owner ? 'owner ' : ''}${r.path}` : r.kind,
      ),
    ).toEqual(['/a', 'owner /o', 'deny owner /d']);
    expect(main.children.map((c) => `${c.hat ? '^' : ''}${c.name} ${c.attach ?? ''}`.trim())).toEqual([
      'child /bin/c',
      '^hat',
    ]);
  });

  it('expands @{profile_name} and collapses the "//" a variable leaves', () => {
    const p = policy('@{P}=/proc/\nprofile web {\n  @{P}/@{profile_name}/x r,\n}\n');
    const c = compileProfile(p, p.profiles[0]!);
    expect(c.files[0]!.patterns.map((a) => a.source)).toEqual(['/proc/web/x']);
  });

  it.each([
    ['profile x {\n  /a r\n}\n', 2, 'rule not ended by ","'],
    ['profile x {\n  /a rq,\n}\n', 2, 'not a file rule'],
    ['profile x {\n  /a x,\n}\n', 2, 'a bare "x" is only allowed in deny rules'],
    ['profile x {\n  deny /a ix,\n}\n', 2, 'a deny rule takes "x"'],
    ['profile x {\n  /a rwa,\n}\n', 2, 'modes "w" and "a" conflict'],
    ['profile x {\n  /a r,\n', 1, 'a block that is never closed'],
    ['/a r,\n', 1, 'a rule outside a profile'],
    ['profile x {\n  "/a r,\n}\n', 2, 'unterminated quoted string'],
    ['#include <nothere>\nprofile x {\n}\n', 1, 'include <nothere> not found'],
    ['profile x {\n  network inet stream tcp,\n}\n', 2, 'network rule word "tcp" is not a type or protocol here'],
  ])('refuses %j at line %i', (text, line, message) => {
    let err: unknown;
    try {
      policy(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicySyntaxError);
    expect((err as Error).message).toContain(`test.apparmor:${line}: ${message}`);
  });

  it('refuses a variable that is never set and a pattern the parser would refuse, naming file and line', () => {
    const undefinedVar = policy('profile x {\n  /a r,\n  @{NOPE}/b r,\n}\n');
    expect(() => compileProfile(undefinedVar, undefinedVar.profiles[0]!)).toThrow(
      /test.apparmor:3: variable @\{NOPE\} is used but never set/,
    );
    const badClass = policy('profile x {\n  /a/[b-a] r,\n}\n');
    expect(() => compileProfile(badClass, badClass.profiles[0]!)).toThrow(TracewallError);
  });
});

const ABSTRACTIONS = SYSTEM_INCLUDES
  ? fs
      .readdirSync('/etc/apparmor.d/abstractions', { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort()
  : [];

/** Paths to try on a profile: every literal-looking rule path with its globs filled in, and near misses. */
function samplePaths(patterns: readonly string[]): string[] {
  const out = new Set([
    '/',
    '/etc/passwd',
    '/dev/null',
    '/proc/1/maps',
    '/home/u/.config/x',
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
  ]);
  for (const p of patterns) {
    // the first alternative of each group, a one-character fill for each glob
    let s = p;
    for (let i = 0; i < 5 && /\{[^{}]*\}/.test(s); i++) s = s.replace(/\{([^{},]*)(,[^{}]*)?\}/g, '$1');
    s = s
      .replace(/\*\*/g, 'd/e')
      .replace(/\*/g, 'f')
      .replace(/\?/g, 'q')
      .replace(/\[\^?([^\]])[^\]]*\]/g, (m, c: string) => (m[1] === '^' ? 'Z' : c));
    if (!s.startsWith('/') || /[\\@]/.test(s)) continue;
    for (const v of [s, `${s}x`, s.endsWith('/') ? s.slice(0, -1) : `${s}/`]) out.add(v.replace(/\/+/g, '/'));
  }
  return [...out];
}

describe.skipIf(!PARSER || !SYSTEM_INCLUDES)(
  'every abstraction in /etc/apparmor.d, as apparmor_parser reads it',
  () => {
    it('finds the abstractions', () => expect(ABSTRACTIONS.length).toBeGreaterThan(50));

    it.each(ABSTRACTIONS)('abstractions/%s: read, and the same permissions as the real DFA on sample paths', (name) => {
      const text = `#include <tunables/global>\nprofile t {\n  #include <abstractions/${name}>\n}\n`;
      const p = policy(text, systemIncludes);
      const compiled = compileProfile(p, p.profiles[0]!);
      const dfa = compileDfa(text);
      const paths = samplePaths(compiled.files.flatMap((f) => f.patterns.map((a) => a.source)));
      const differ = paths.filter((path) => {
        const real = maskPerms(dfaAllow(dfa, path));
        const ours = grantedOn(compiled, path);
        // "l" is left out: a deny of it lives in the link-pair half of the DFA
        const key = (s: Set<string>) =>
          [...s]
            .filter((x) => x !== 'l')
            .sort()
            .join('');
        return key(real.other) !== key(ours.other) || key(real.owner) !== key(ours.owner);
      });
      expect(differ).toEqual([]);
    });
  },
);
