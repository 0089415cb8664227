// What `verify --apparmor` decides for each kind of access: the modes each recorded access needs, deny precedence,
// owner rules (the recording does not know owners), exec transitions, capabilities and network rules, which program
// did it, and the report's text and JSON.
import { describe, expect, it } from 'vitest';
import { mergeRecordings } from '../../src/analyze/merge.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { TracewallError } from '../../src/errors.js';
import type { FileAccess, Recording } from '../../src/recording/types.js';
import { formatAppArmorJson, formatAppArmorText } from '../../src/verify/apparmor-format.js';
import { check, memoryIncludes, short } from './apparmor-helpers.js';
import { makeRecording } from './render-helpers.js';
import { batchPath, servePath } from './merge-helpers.js';

const none = memoryIncludes({});

function rec(files: Record<string, FileAccess[]>, patch: Partial<Recording> = {}): Recording {
  return makeRecording({
    files: Object.fromEntries(Object.entries(files).map(([p, access]) => [p, { access }])),
    executables: [{ path: '/usr/bin/app', argv0: 'app', parent: '' }],
    ...patch,
  });
}

/** A profile with these rules, and the exec of the recordings' first program allowed. */
const profile = (...rules: string[]) =>
  `profile app {\n  /usr/bin/app ix,\n${rules.map((r) => `  ${r}\n`).join('')}}\n`;
const run = (rules: string[], r: Recording) => short(check(profile(...rules), [r], none));

describe('file accesses and the modes they need', () => {
  it('read and dir-list need r; write, create, delete and metadata need w; append takes w or a; stat needs nothing', () => {
    const r = rec({
      '/r': ['read'],
      '/d/': ['dir-list'],
      '/w': ['write'],
      '/c': ['create'],
      '/x': ['delete'],
      '/m': ['metadata'],
      '/a1': ['append'],
      '/a2': ['append'],
      '/s': ['stat'],
    });
    expect(run(['/r r,', '/d/ r,', '/w w,', '/c w,', '/x w,', '/m w,', '/a1 a,', '/a2 w,'], r)).toEqual([]);
    expect(run([], r)).toEqual([
      'file a /a1',
      'file a /a2',
      'file w /c',
      'file r /d/',
      'file w /m',
      'file r /r',
      'file w /w',
      'file w /x',
    ]);
    expect(run(['/c a,', '/w a,', '/a1 r,'], rec({ '/c': ['create'], '/w': ['write'], '/a1': ['append'] }))).toEqual([
      'file a /a1',
      'file w /c',
      'file w /w',
    ]);
  });

  it('a path that needs w and a is reported as needing w, which carries a', () => {
    expect(run([], rec({ '/log': ['create', 'append'] }))).toEqual(['file w /log']);
    expect(run(['/log a,'], rec({ '/log': ['create', 'append'] }))).toEqual(['file w /log']);
  });

  it("a rename's source needs r and w, link l, lock k, mmap-exec m (or an inheriting exec mode), exec an x mode", () => {
    const r = rec({
      '/src': ['rename'],
      '/ln': ['link'],
      '/lk': ['lock'],
      '/lib.so': ['read', 'mmap-exec'],
      '/bin/x': ['exec'],
    });
    expect(run([], r)).toEqual(['file rm /lib.so', 'file k /lk', 'file l /ln', 'file rw /src', 'exec x /bin/x']);
    expect(run(['/src w,', '/ln l,', '/lk k,', '/lib.so r,', '/bin/x ix,'], r)).toEqual([
      'file m /lib.so',
      'file r /src',
    ]);
    expect(run(['/src rw,', '/ln l,', '/lk k,', '/lib.so rix,', '/bin/x Ux,'], r)).toEqual([]);
    // px carries no mmap-exec (the parser gives "m" only to the inheriting modes)
    expect(run(['/src rw,', '/ln l,', '/lk k,', '/lib.so rpx,', '/bin/x Ux,'], r)).toEqual(['file m /lib.so']);
  });

  it('directories are what AppArmor sees with a trailing /: listed, or holding another recorded path', () => {
    const r = rec({ '/srv': ['metadata'], '/srv/f': ['read'], '/list': ['dir-list'] });
    expect(run(['/srv w,', '/srv/f r,', '/list r,'], r)).toEqual(['file r /list/', 'file w /srv/']);
    expect(run(['/srv/ w,', '/srv/* r,', '/list/ r,'], r)).toEqual([]);
    expect(run(['/srv/ w,', '/srv/** r,', '/list/** r,'], r)).toEqual(['file r /list/']);
  });

  it('/proc/self is /proc/<pid> to AppArmor: a rule must cover every pid', () => {
    const r = rec({ '/proc/self/status': ['read'] });
    expect(run(['/proc/[0-9]*/status r,'], r)).toEqual([]);
    expect(run(['/proc/1/status r,'], r)).toEqual(['file r /proc/self/status']);
    expect(run(['/proc/self/status r,'], r)).toEqual(['file r /proc/self/status']);
    const report = check(profile('/proc/1/status r,'), [r], none);
    expect(report.denials[0]!.notes[0]).toContain('AppArmor sees /proc/self as /proc/<pid>');
  });
});

describe('deny and owner', () => {
  const r = rec({ '/data/f': ['read', 'write'] });

  it('a deny rule wins over any allow and is named', () => {
    const report = check(profile('/data/** rw,', 'audit deny /data/f w,'), [r], none);
    expect(short(report)).toEqual(['file w /data/f']);
    expect(report.denials[0]!.deniedBy).toEqual(['profile.apparmor:4: deny /data/f w']);
  });

  it('an access only an owner rule allows is denied unless the process owns the file, never silently allowed', () => {
    expect(run(['owner /data/** rw,'], r)).toEqual(['file rw /data/f (unless-owner)']);
    expect(run(['owner /data/** r,', '/data/f w,'], r)).toEqual(['file r /data/f (unless-owner)']);
    expect(run(['/data/** rw,', 'deny owner /data/f w,'], r)).toEqual(['file w /data/f (if-owner)']);
    expect(run(['owner /data/** rw,', 'deny owner /data/f w,'], r)).toEqual([
      'file w /data/f',
      'file r /data/f (unless-owner)',
    ]);
  });
});

describe('exec transitions', () => {
  const r = rec(
    { '/usr/bin/app': ['exec'], '/usr/bin/tool': ['exec'] },
    {
      executables: [
        { path: '/usr/bin/app', argv0: 'app', parent: '' },
        { path: '/usr/bin/tool', argv0: 'tool', parent: '/usr/bin/app' },
      ],
    },
  );

  it('ix, ux and the fallback modes allow; px and cx need their profile in the policy', () => {
    for (const mode of ['ix', 'ux', 'Ux', 'pix', 'Pix', 'cix', 'Cix', 'pux', 'PUx', 'cux', 'CUx'])
      expect(run(['/usr/bin/* ' + mode + ','], r), mode).toEqual([]);
    expect(run(['/usr/bin/* px,'], r)).toEqual(['exec x /usr/bin/tool (needs-profile)']);
    const withProfile = `${profile('/usr/bin/app ix,', '/usr/bin/tool Px,')}profile tool /usr/bin/tool {\n}\n`;
    expect(short(check(withProfile, [r], none))).toEqual([]);
    const child = profile('/usr/bin/app ix,', '/usr/bin/tool cx -> helper,', 'profile helper {', '}');
    expect(short(check(child, [r], none))).toEqual([]);
    const missingChild = profile('/usr/bin/app ix,', '/usr/bin/tool cx -> other,', 'profile helper {', '}');
    expect(short(check(missingChild, [r], none))).toEqual(['exec x /usr/bin/tool (needs-profile)']);
  });

  it('deny x takes exec away; an exact rule decides the transition over a glob', () => {
    expect(run(['/usr/bin/* ix,', 'deny /usr/bin/tool x,'], r)).toEqual(['exec x /usr/bin/tool']);
    expect(run(['/usr/bin/* px,', '/usr/bin/app ix,', '/usr/bin/tool ix,'], r)).toEqual([]);
  });

  it('says which program ran each denied executable', () => {
    const report = check(profile('/usr/bin/app ix,'), [r], none);
    expect(report.denials).toHaveLength(1);
    expect(report.denials[0]).toMatchObject({
      subject: '/usr/bin/tool',
      programs: ['/usr/bin/app'],
      programsKnown: true,
    });
    expect(formatAppArmorText(report)).toContain('\n  x /usr/bin/tool  run by /usr/bin/app  (exec)\n');
  });
});

describe('capabilities and network', () => {
  const r = rec(
    {},
    {
      identity: {
        uids: [0],
        gids: [0],
        changes: [],
        capabilities: [{ name: 'CAP_NET_RAW', reasons: ['socket(AF_PACKET)'] }],
      },
      network: {
        sockets: [
          { family: 'AF_INET', type: 'SOCK_STREAM|SOCK_CLOEXEC', protocol: 'IPPROTO_TCP' },
          { family: 'AF_PACKET', type: 'SOCK_DGRAM', protocol: '0' },
        ],
        bind: [],
        connect: [],
        listen: [],
      },
    },
  );

  it('needs a capability rule naming it (or a bare one), and a network rule for family and type', () => {
    expect(run([], r)).toEqual([
      'capability capability net_raw',
      'network network inet stream',
      'network network packet dgram',
    ]);
    expect(run(['capability,', 'network,'], r)).toEqual([]);
    expect(run(['capability net_raw sys_admin,', 'network inet,', 'network packet dgram,'], r)).toEqual([]);
    expect(run(['capability net_raw,', 'network tcp,', 'network dgram,'], r)).toEqual([]);
    expect(run(['capability,', 'deny capability net_raw,', 'network,', 'deny network packet,'], r)).toEqual([
      'capability capability net_raw',
      'network network packet dgram',
    ]);
    expect(run(['capability net_raw,', 'network inet dgram,', 'network packet,', 'network inet udp,'], r)).toEqual([
      'network network inet stream',
    ]);
  });
});

describe('profiles, flags and the report', () => {
  const r = rec({ '/etc/app.conf': ['read'] });

  it('checks the first profile, warns about the others, about hats and complain mode; unconfined denies nothing', () => {
    const report = check(
      'profile one flags=(complain) {\n  ^hat {\n  }\n}\nprofile two {\n  /etc/app.conf r,\n}\n',
      [r],
      none,
    );
    expect(short(report)).toEqual(['file r /etc/app.conf', 'exec x /usr/bin/app']);
    expect(report.warnings.join('\n')).toContain('checked against the first, one (not: two)');
    expect(report.warnings.join('\n')).toContain('child profiles and hats of one are not checked (^hat)');
    expect(report.warnings.join('\n')).toContain('complain mode');
    expect(short(check('profile u flags=(unconfined) {\n}\n', [r], none))).toEqual([]);
  });

  it('names the program when the recording ran one, every program when it ran several, and the runs of a merge', () => {
    const two = rec(
      { '/etc/app.conf': ['read'] },
      {
        executables: [
          { path: '/bin/sh', argv0: 'sh', parent: '' },
          { path: '/bin/busybox', argv0: 'cat', parent: '/bin/sh' },
        ],
      },
    );
    const report = check(profile(), [r, two], none);
    expect(report.denials[0]).toMatchObject({
      programs: ['/bin/busybox (as cat)', '/bin/sh', '/usr/bin/app'],
      programsKnown: false,
      recordings: ['rec0.json', 'rec1.json'],
    });
    const text = formatAppArmorText(report);
    expect(text).toContain('(the recording does not say which)');
    expect(text).toContain('[in rec0.json, rec1.json]');
  });

  it('names the runs of a merged recording that made each denied access', () => {
    const merged = mergeRecordings(
      [servePath(), batchPath()].map((r) => ({ recording: r, label: `${r.name}.json` })),
      { name: 'app', toolVersion: '9.9.9' },
    );
    const report = check('profile app {\n  /usr/bin/app ix,\n  /srv/** r,\n}\n', [merged], none);
    const served = report.denials.find((d) => d.subject === '/etc/hosts');
    expect(served).toMatchObject({ mode: 'rk', runs: ['batch', 'serve'], needs: ['lock', 'read'] });
    const cap = report.denials.find((d) => d.kind === 'capability');
    expect(cap).toMatchObject({ subject: 'net_bind_service', runs: ['serve'], needs: ['bind(80)'] });
    expect(formatAppArmorText(report)).toContain('[runs: batch, serve]');
  });

  it('writes the same bytes for the same input, as text and as JSON with its verdict', () => {
    const report = check(profile(), [r], none);
    expect(formatAppArmorText(check(profile(), [r], none))).toBe(formatAppArmorText(report));
    const json = JSON.parse(formatAppArmorJson(report));
    expect(json.result).toEqual({ denied: 1, exitCode: 1 });
    expect(json.denials[0]).toMatchObject({
      kind: 'file',
      subject: '/etc/app.conf',
      mode: 'r',
      condition: 'denied',
      needs: ['read'],
    });
    const ok = JSON.parse(formatAppArmorJson(check(profile('/etc/app.conf r,'), [r], none)));
    expect(ok.result).toEqual({ denied: 0, exitCode: 0 });
  });

  it('quotes a hostile path rather than letting it write to the terminal', () => {
    const report = check(profile(), [rec({ '/tmp/a\nb\u001b[31m': ['read'] })], none);
    expect(formatAppArmorText(report)).toContain('  r "/tmp/a\\nb\\u001b[31m"  by /usr/bin/app  (read)');
  });
});

describe('the verify verb', () => {
  it('needs --seccomp unless --apparmor is given, and --apparmor takes none of the run options', async () => {
    const err = (p: Promise<number>) => p.catch((e: unknown) => e as TracewallError);
    const noProfile = await err(verifyCommand({ bundle: '/b' }));
    expect(noProfile).toBeInstanceOf(TracewallError);
    expect(noProfile).toMatchObject({
      exitCode: 2,
      message: 'verify needs --seccomp FILE (or --apparmor PROFILE RECORDING...)',
    });
    const clash = await err(verifyCommand({ apparmor: 'p.apparmor', seccomp: 's.json', runArgs: ['r.json'] }));
    expect(clash).toMatchObject({ exitCode: 2, message: expect.stringContaining('it does not take --seccomp') });
    const noRecording = await err(verifyCommand({ apparmor: 'p.apparmor', runArgs: ['--json'] }));
    expect(noRecording).toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('needs at least one RECORDING'),
    });
    const unknown = await err(verifyCommand({ apparmor: 'p.apparmor', runArgs: ['r.json', '--nope'] }));
    expect(unknown).toMatchObject({ exitCode: 2, message: expect.stringContaining('unknown option "--nope"') });
  });
});
