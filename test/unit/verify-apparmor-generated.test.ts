// `verify --apparmor` on the profiles tracewall itself generated: each passes against the recordings it came from (an
// end-to-end check of the AppArmor renderer against AppArmor's rules), and each loses exactly the access whose rule is
// taken out. Through bin/tracewall too: exit codes 0, 1 and 2 and the report lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/util/paths.js';
import { compileProfile } from '../../src/apparmor/compile.js';
import { collectAccesses } from '../../src/verify/apparmor-accesses.js';
import { grantedOn } from '../../src/verify/apparmor-check.js';
import { readRecording } from '../../src/recording/io.js';
import { compileDfa, dfaAllow, maskPerms, parserAccepts, PARSER } from './apparmor-dfa.js';
import { check, policy, short, SYSTEM_INCLUDES, systemIncludes } from './apparmor-helpers.js';

/** Every profile the repository holds that tracewall generated, with the recordings it was generated from. */
function generated(): Array<{ profile: string; recordings: string[] }> {
  const out = [
    ...['busybox-web', 'nginx'].map((n) => ({
      profile: `profiles/${n}.apparmor`,
      recordings: [`examples/${n}.recording.json`],
    })),
    { profile: 'test/golden/busybox-httpd.apparmor', recordings: ['test/fixtures/recordings/busybox-httpd.json'] },
  ];
  for (const f of fs.readdirSync(fromRoot('test/golden/recordings')).sort()) {
    if (f.endsWith('.apparmor'))
      out.push({
        profile: `test/golden/recordings/${f}`,
        recordings: [`test/golden/recordings/${f.replace(/\.apparmor$/, '.recording.json')}`],
      });
  }
  return out.map((g) => ({ profile: fromRoot(g.profile), recordings: g.recordings.map((r) => fromRoot(r)) }));
}

const read = (p: string) => fs.readFileSync(fromRoot(p), 'utf8');

/** The profile text with one line replaced (or removed); fails when the line is not there exactly once. */
function edit(profile: string, line: string, replacement = ''): string {
  const text = read(profile);
  const lines = text.split('\n');
  const at = lines.flatMap((l, i) => (l.trim().replace(/\s+#.*$/, '') === line ? [i] : []));
  expect(at, `${line} in ${profile}`).toHaveLength(1);
  lines[at[0]!] = replacement;
  return lines.join('\n');
}

describe.skipIf(!SYSTEM_INCLUDES)('every generated AppArmor profile against its own recordings', () => {
  const all = generated();

  it('covers the examples, the fixture golden file and every golden recording', () => {
    expect(all.length).toBe(
      3 + fs.readdirSync(fromRoot('test/golden/recordings')).filter((f) => f.endsWith('.apparmor')).length,
    );
    expect(all.length).toBeGreaterThanOrEqual(22);
  });

  it.each(all.map((g) => [path.relative(fromRoot(), g.profile), g] as const))(
    '%s allows everything it was made from',
    (_n, g) => {
      const report = check(fs.readFileSync(g.profile, 'utf8'), g.recordings);
      expect(short(report)).toEqual([]);
      expect(report.checked.paths).toBeGreaterThan(0);
    },
  );
});

describe.skipIf(!PARSER || !SYSTEM_INCLUDES)('the DFA apparmor_parser compiles from each generated profile', () => {
  it.each(generated().map((g) => [path.relative(fromRoot(), g.profile), g] as const))(
    '%s: grants what the check says on every recorded path',
    (_n, g) => {
      const text = fs.readFileSync(g.profile, 'utf8');
      const dfa = compileDfa(text);
      const pol = policy(text, systemIncludes);
      const compiled = compileProfile(pol, pol.profiles[0]!);
      const accesses = collectAccesses(g.recordings.map((r) => ({ label: r, recording: readRecording(r) })));
      // "l" is left out: a deny of it lives in the link-pair half of the DFA, which this walk does not take
      const key = (s: Set<string>) =>
        [...s]
          .filter((x) => x !== 'l')
          .sort()
          .join('');
      const differ = [...accesses.paths.values()]
        .flatMap((n) => n.seenAs)
        .filter((p) => {
          const real = maskPerms(dfaAllow(dfa, p));
          const ours = grantedOn(compiled, p);
          return key(real.other) !== key(ours.other) || key(real.owner) !== key(ours.owner);
        });
      expect(differ).toEqual([]);
    },
  );
});

describe.skipIf(!SYSTEM_INCLUDES)('a generated profile with one rule taken out fails with exactly that access', () => {
  const cases: Array<[string, string, string, string, string]> = [
    // profile, recording, the rule line, what replaces it, the one denial expected
    ['profiles/nginx.apparmor', 'examples/nginx.recording.json', '"/tmp/nginx.pid" rw,', '', 'file rw /tmp/nginx.pid'],
    [
      'profiles/nginx.apparmor',
      'examples/nginx.recording.json',
      '"/tmp/nginx.pid" rw,',
      '"/tmp/nginx.pid" r,',
      'file w /tmp/nginx.pid',
    ],
    [
      'profiles/nginx.apparmor',
      'examples/nginx.recording.json',
      '"/tmp/client_body/" w,',
      '',
      'file w /tmp/client_body/',
    ],
    ['profiles/nginx.apparmor', 'examples/nginx.recording.json', '"/usr/sbin/nginx" ix,', '', 'exec x /usr/sbin/nginx'],
    [
      'profiles/nginx.apparmor',
      'examples/nginx.recording.json',
      'network unix stream,',
      '',
      'network network unix stream',
    ],
    [
      'profiles/busybox-web.apparmor',
      'examples/busybox-web.recording.json',
      '"/tmp/page.txt" rw,',
      '',
      'file rw /tmp/page.txt',
    ],
    ['profiles/busybox-web.apparmor', 'examples/busybox-web.recording.json', '"/bin/sh" ix,', '', 'exec x /bin/sh'],
    [
      'test/golden/busybox-httpd.apparmor',
      'test/fixtures/recordings/busybox-httpd.json',
      '"/tmp/tmp.*" w,',
      '',
      'file w /tmp/tmp.93hMEG',
    ],
    [
      'test/golden/recordings/strace-ident.apparmor',
      'test/golden/recordings/strace-ident.recording.json',
      'capability setuid,',
      '',
      'capability capability setuid',
    ],
    [
      'test/golden/recordings/strace-ident.apparmor',
      'test/golden/recordings/strace-ident.recording.json',
      '"/tmp/tracewall-fixture/sub/" r,',
      '',
      'file r /tmp/tracewall-fixture/sub/',
    ],
    [
      'test/golden/recordings/strace-net.apparmor',
      'test/golden/recordings/strace-net.recording.json',
      'network packet dgram,',
      '',
      'network network packet dgram',
    ],
    [
      'test/golden/recordings/strace-net.apparmor',
      'test/golden/recordings/strace-net.recording.json',
      'capability net_raw,',
      '',
      'capability capability net_raw',
    ],
    [
      'test/golden/recordings/strace-files.apparmor',
      'test/golden/recordings/strace-files.recording.json',
      '"/tmp/tracewall-fixture/w/log.2" wl,',
      '"/tmp/tracewall-fixture/w/log.2" w,',
      'file l /tmp/tracewall-fixture/w/log.2',
    ],
    [
      'test/golden/recordings/strace-files.apparmor',
      'test/golden/recordings/strace-files.recording.json',
      '"/tmp/tracewall-fixture/rw" rwm,',
      '"/tmp/tracewall-fixture/rw" rw,',
      'file m /tmp/tracewall-fixture/rw',
    ],
    [
      'test/golden/recordings/strace-files.apparmor',
      'test/golden/recordings/strace-files.recording.json',
      '"/tmp/tracewall-fixture/w/log" rwk,',
      '"/tmp/tracewall-fixture/w/log" wk,',
      'file r /tmp/tracewall-fixture/w/log',
    ],
    [
      'test/golden/recordings/strace-threads.apparmor',
      'test/golden/recordings/strace-threads.recording.json',
      '"/usr/bin/busybox" ix,',
      '',
      'exec x /usr/bin/busybox',
    ],
  ];

  it.each(cases.map(([p, r, l, x, e]) => [p, l, r, x, e] as const))(
    '%s, %s taken out',
    (profile, line, recording, replacement, expected) => {
      const text = edit(profile, line, replacement);
      if (PARSER) expect(parserAccepts(text).ok, 'apparmor_parser compiles the edited profile').toBe(true);
      expect(short(check(text, [fromRoot(recording)]))).toEqual([expected]);
    },
  );

  it('a deny rule added for an observed access takes precedence over the allow, and names itself', () => {
    const text = edit(
      'profiles/nginx.apparmor',
      '"/tmp/access.log" w,',
      '"/tmp/access.log" w,\n  deny /tmp/access.log a,',
    );
    const report = check(text, [fromRoot('examples/nginx.recording.json')]);
    expect(short(report)).toEqual(['file a /tmp/access.log']);
    const line = text.split('\n').findIndex((l) => l.includes('deny /tmp/access.log a,')) + 1;
    expect(report.denials[0]!.deniedBy).toEqual([`profile.apparmor:${line}: deny /tmp/access.log a`]);
    expect(report.denials[0]!.needs).toEqual(['append']);
    expect(report.denials[0]!.programs).toEqual(['/usr/sbin/nginx']);
    expect(report.denials[0]!.programsKnown).toBe(true);
  });
});

const BIN = fromRoot('bin', 'tracewall');
const BUILT = fs.existsSync(fromRoot('dist', 'cli', 'verify-apparmor.js'));
if (!BUILT) console.warn('skipped: bin/tracewall verify --apparmor: dist/ is not built (npm run build)');

function tracewall(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: fromRoot() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!BUILT || !SYSTEM_INCLUDES)('bin/tracewall verify --apparmor', () => {
  it('exits 0 with nothing listed when the profile fits', () => {
    const r = tracewall('verify', '--apparmor', 'profiles/nginx.apparmor', 'examples/nginx.recording.json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('result: the profile allows every access in the recordings\n');
    expect(r.stdout).toContain('profile nginx (profiles/nginx.apparmor, with ');
  });

  it('exits 1 and lists each denied access with its mode, path and program', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-aa-cli-'));
    try {
      const p = path.join(dir, 'nginx.apparmor');
      fs.writeFileSync(
        p,
        edit('profiles/nginx.apparmor', '"/tmp/nginx.pid" rw,', '"/tmp/nginx.pid" r,').replace(
          '  network unix stream,\n',
          '',
        ),
      );
      const r = tracewall('verify', '--apparmor', p, 'examples/nginx.recording.json');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('\nwould be denied:\n');
      expect(r.stdout).toContain('\n  w /tmp/nginx.pid  by /usr/sbin/nginx  (create, delete, write)\n');
      expect(r.stdout).toContain('\n  network unix stream  by /usr/sbin/nginx  (AF_UNIX SOCK_STREAM 0)\n');
      expect(r.stdout).toContain('result: 2 accesses would be denied');
      const json = tracewall('verify', '--apparmor', p, 'examples/nginx.recording.json', '--json');
      expect(json.status).toBe(1);
      const parsed = JSON.parse(json.stdout);
      expect(parsed.result).toEqual({ denied: 2, exitCode: 1 });
      expect(parsed.mode).toBe('apparmor');
      expect(parsed.denials.map((d: { subject: string; mode: string }) => `${d.mode} ${d.subject}`)).toEqual([
        'w /tmp/nginx.pid',
        'network unix stream',
      ]);
      const again = tracewall('verify', '--apparmor', p, '--format', 'json', 'examples/nginx.recording.json');
      expect(again.stdout).toBe(json.stdout);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for an unreadable or unparsable profile or recording, naming file and line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-aa-bad-'));
    try {
      const bad = path.join(dir, 'bad.apparmor');
      fs.writeFileSync(bad, 'profile x {\n  /etc/passwd r,\n  /etc/shadow rq,\n}\n');
      const r1 = tracewall('verify', '--apparmor', bad, 'examples/nginx.recording.json');
      expect(r1.status).toBe(2);
      expect(r1.stderr).toContain(`${bad}:3: not a file rule`);
      const r2 = tracewall('verify', '--apparmor', path.join(dir, 'none.apparmor'), 'examples/nginx.recording.json');
      expect(r2.status).toBe(2);
      expect(r2.stderr).toContain('cannot read AppArmor profile');
      const badRec = path.join(dir, 'bad.json');
      fs.writeFileSync(badRec, '{\n  "schemaVersion": 1,\n  oops\n}\n');
      const r3 = tracewall('verify', '--apparmor', 'profiles/nginx.apparmor', badRec);
      expect(r3.status).toBe(2);
      expect(r3.stderr).toMatch(new RegExp(`${badRec}: .*line 3`));
      const missing = path.join(dir, 'inc.apparmor');
      fs.writeFileSync(missing, '#include <tunables/nothing-here>\nprofile x {\n}\n');
      const r4 = tracewall('verify', '--apparmor', missing, 'examples/nginx.recording.json');
      expect(r4.status).toBe(2);
      expect(r4.stderr).toContain(
        `${missing}:1: include <tunables/nothing-here> not found: looked for /etc/apparmor.d/tunables/nothing-here`,
      );
      expect(tracewall('verify', '--apparmor', 'profiles/nginx.apparmor').status).toBe(2);
      expect(tracewall('verify', '--apparmor', 'profiles/nginx.apparmor', '--bundle', 'x', 'a.json').status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
