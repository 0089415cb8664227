import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/util/paths.js';
import { parseAppArmor } from '../../src/diff/apparmor-parse.js';
import { parseModes } from '../../src/diff/apparmor-modes.js';
import { mayReachUnder, patternMatches } from '../../src/diff/apparmor-glob.js';
import { brief, diff, fixture, run } from './diff-helpers.js';

const head =
  '#include <tunables/global>\nprofile app flags=(attach_disconnected,mediate_deleted) {\n  #include <abstractions/base>\n';
const prof = (...rules: string[]): string => `${head}${rules.map((r) => `  ${r}\n`).join('')}}\n`;

describe('reading profiles', () => {
  test("tracewall's own rendering is read completely", () => {
    const m = parseAppArmor(fs.readFileSync(fixture('app.apparmor'), 'utf8'));
    expect(m.unrecognised).toEqual([]);
    expect(m.profiles).toEqual(['httpd']);
    expect(m.flags).toEqual(['attach_disconnected', 'mediate_deleted']);
    expect(m.includes).toEqual(['<tunables/global>', '<abstractions/base>']);
    expect(m.network.allow).toEqual(['inet stream']);
    expect(m.rules.deny).toContain('deny ptrace (read, trace) peer=unconfined'.replace('deny ', ''));
    expect(m.files.allow).toContainEqual({ path: '/bin/busybox', owner: false, modes: ['r', 'ix'] });
    expect(m.files.deny).toContainEqual({
      path: '/proc/sysrq-trigger',
      owner: false,
      modes: ['r', 'w', 'k', 'l', 'x'],
    });
  });

  test('hand-written style: unquoted paths, mode-first rules, owner, exec targets, comments', () => {
    const m = parseAppArmor(
      prof(
        '/etc/hosts r,  # comment',
        'owner @{HOME}/** rw,',
        'r /usr/share/**,',
        '/usr/bin/foo Px -> foo,',
        'audit deny /etc/shadow rw,',
        '"/tmp/a #b, c" r,',
      ),
    );
    expect(m.unrecognised).toEqual([]);
    expect(m.files.allow).toEqual([
      { path: '/etc/hosts', owner: false, modes: ['r'] },
      { path: '@{HOME}/**', owner: true, modes: ['r', 'w'] },
      { path: '/usr/share/**', owner: false, modes: ['r'] },
      { path: '/usr/bin/foo', owner: false, modes: ['Px -> foo'] },
      { path: '/tmp/a #b, c', owner: false, modes: ['r'] },
    ]);
    expect(m.files.deny).toEqual([{ path: '/etc/shadow', owner: false, modes: ['r', 'w'] }]);
  });

  test('the seed profile from the validate fixtures is read completely', () => {
    const m = parseAppArmor(
      fs.readFileSync(path.join(packageRoot, 'test', 'fixtures', 'validate', 'seed-apparmor.profile'), 'utf8'),
    );
    expect(m.unrecognised).toEqual([]);
    expect(m.network.allow).toEqual(['inet tcp', 'inet udp']);
  });

  test('nested profiles, hats and odd lines are unrecognised, not fatal', () => {
    const m = parseAppArmor(prof('^hat {', '  /etc/x r,', '}', 'frobnicate everything,', '/etc/y rq,'));
    expect(m.unrecognised.map((u) => u.text)).toEqual(['^hat {', '/etc/x r,', 'frobnicate everything,', '/etc/y rq,']);
    expect(m.unrecognised[0]!.line).toBe(4);
  });

  test('modes and globs', () => {
    expect(parseModes('rwix')).toEqual(['r', 'w', 'ix']);
    expect(parseModes('mrPUx')).toEqual(['m', 'r', 'PUx']);
    expect(parseModes('rq')).toBeUndefined();
    expect(parseModes('rwz')).toBeUndefined();
    expect(patternMatches('/var/log/**', '/var/log/app/a.log')).toBe(true);
    expect(patternMatches('/var/log/*', '/var/log/app/a.log')).toBe(false);
    expect(patternMatches('/usr/{lib,lib64}/*.so', '/usr/lib64/x.so')).toBe(true);
    expect(patternMatches('/proc/@{pid}/maps', '/proc/12/maps')).toBe(true);
    expect(patternMatches('/tmp/\\*', '/tmp/x')).toBe(false);
    expect(mayReachUnder('/**', '/etc')).toBe(true);
    expect(mayReachUnder('/e*/**', '/etc')).toBe(true);
    expect(mayReachUnder('/tmp/**', '/etc')).toBe(false);
    expect(mayReachUnder('/proc/@{pid}/attr/current', '/proc/sys')).toBe(false);
    expect(mayReachUnder('/var/lib/app/db', '/var/lib')).toBe(true);
    expect(mayReachUnder('/variable', '/var/lib')).toBe(false);
  });
});

describe('AppArmor diffs', () => {
  test('a new write path under /etc is high', async () => {
    const res = await run(fixture('app.apparmor'), fixture('app-etc-write.apparmor'), { failOn: 'high' });
    expect(res.code).toBe(1);
    expect(res.out).toContain('high (1)\n  + file /etc/passwd: w: write or append under /etc\n');
  });

  test('a new capability sys_admin is critical', async () => {
    const res = await run(fixture('app.apparmor'), fixture('app-sysadmin.apparmor'), {
      format: 'json',
      failOn: 'critical',
    });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.out).findings).toEqual([
      {
        change: 'added',
        kind: 'capability',
        subject: 'sys_admin',
        detail: 'mount, namespaces, bpf and dozens of admin operations: the classic container escape',
        risk: 'critical',
        widens: true,
      },
    ]);
  });

  test('write risk: medium in scratch space, high in system directories or next to exec', () => {
    const base = prof('/tmp/x r,');
    expect(brief(diff(base, prof('/tmp/x rw,')).findings)).toEqual(['added file /tmp/x medium widens']);
    expect(brief(diff(base, prof('/tmp/x r,', '/usr/lib/**.so a,')).findings)).toEqual([
      'added file /usr/lib/**.so high widens',
    ]);
    expect(brief(diff(base, prof('/tmp/x rwix,')).findings)).toEqual(['added file /tmp/x high widens']);
    expect(brief(diff(base, prof('/tmp/x r,', '/** w,')).findings)).toEqual(['added file /** high widens']);
    expect(brief(diff(base, prof('/tmp/x r,', '/proc/@{pid}/attr/current w,')).findings)).toEqual([
      'added file /proc/@{pid}/attr/current medium widens',
    ]);
    expect(diff(base, prof('/tmp/x rw,')).findings[0]!.detail).toBe('+w (r -> rw): new write or append access');
  });

  test('exec: ix/px high, ux/Ux critical', () => {
    const base = prof('/tmp/x r,');
    expect(brief(diff(base, prof('/tmp/x r,', '/usr/bin/env ix,')).findings)).toEqual([
      'added file /usr/bin/env high widens',
    ]);
    expect(brief(diff(base, prof('/tmp/x r,', '/usr/bin/env Ux,')).findings)).toEqual([
      'added file /usr/bin/env critical widens',
    ]);
    expect(brief(diff(base, prof('/tmp/x r,', '/usr/bin/env px -> other,')).findings)).toEqual([
      'added file /usr/bin/env high widens',
    ]);
  });

  test('a glob that replaces literal rules is a broader-glob finding; only extra modes count as added', () => {
    const r = diff(prof('/var/log/app/a.log w,', '/var/log/app/b.log w,'), prof('/var/log/app/** w,'));
    expect(brief(r.findings)).toEqual(['changed glob /var/log/app/** high widens']);
    expect(r.findings[0]!.detail).toBe('broader pattern replaces 2 rules: /var/log/app/a.log, /var/log/app/b.log');
    const single = diff(prof('/var/log/app/a.log w,'), prof('/var/log/app/*.log rw,'));
    expect(brief(single.findings)).toEqual([
      'changed glob /var/log/app/*.log medium widens',
      'added file /var/log/app/*.log low widens',
    ]);
    const narrowed = diff(prof('/var/log/app/** rw,'), prof('/var/log/app/a.log w,'));
    expect(brief(narrowed.findings)).toEqual(['removed file /var/log/app/** low', 'changed glob /var/log/app/** info']);
  });

  test('a removed protective deny is high and widens; an added one is info', () => {
    const withDeny = prof('deny mount,', 'deny /proc/sysrq-trigger rwklx,', '/tmp/x r,');
    const without = prof('/tmp/x r,');
    expect(brief(diff(withDeny, without).findings)).toEqual([
      'removed deny deny /proc/sysrq-trigger high widens',
      'removed deny deny mount high widens',
    ]);
    expect(brief(diff(without, withDeny).findings)).toEqual([
      'added deny deny /proc/sysrq-trigger info',
      'added deny deny mount info',
    ]);
    expect(brief(diff(prof('deny /proc/kcore rw,'), prof('deny /proc/kcore r,')).findings)).toEqual([
      'changed deny deny /proc/kcore high widens',
    ]);
  });

  test('network families, flags, includes, other rules and unrecognised lines', () => {
    const r = diff(
      prof('network inet stream,'),
      `#include <tunables/global>\nprofile app flags=(attach_disconnected,mediate_deleted,complain) {\n  #include <abstractions/base>\n  #include <abstractions/nameservice>\n  network inet stream,\n  network packet raw,\n  network inet6 stream,\n  mount,\n  ptrace (read) peer=app,\n  signal (send) peer=unconfined,\n  ^hat {\n  }\n}\n`,
    );
    expect(brief(r.findings)).toEqual([
      'added flag complain critical widens',
      'added rule mount critical widens',
      'added network packet raw high widens',
      'added rule ptrace (read) peer=app high widens',
      'added include <abstractions/nameservice> medium widens',
      'added unrecognised ^hat { medium widens',
      'added network inet6 stream low widens',
      'added rule signal (send) peer=unconfined low widens',
    ]);
  });

  test('a bare capability or network rule is all of them', () => {
    expect(brief(diff(prof('/tmp/x r,'), prof('/tmp/x r,', 'capability,', 'network,')).findings)).toEqual([
      'added capability (all) critical widens',
      'added network (all) high widens',
    ]);
  });

  test('a hostile path with | and backticks renders safely in markdown', async () => {
    const res = await run(fixture('app.apparmor'), fixture('app-hostile.apparmor'), { format: 'markdown' });
    const row = res.out.split('\n').find((l) => l.startsWith('| + | file |'))!;
    expect(row).toBe(
      '| + | file | ```/www/a\\|b`c``d <img src=x> @team [x](http://e)``` | rw: new write or append access | yes |',
    );
    // Unescaped pipes split cells: the row must have exactly the table's six separators.
    expect(row.replace(/\\\|/g, '').split('|').length - 1).toBe(6);
    expect(res.out).not.toMatch(/^<img/m);
  });

  test('identical profiles: no differences', () => {
    const text = fs.readFileSync(fixture('app.apparmor'), 'utf8');
    expect(diff(text, text).findings).toEqual([]);
  });
});
