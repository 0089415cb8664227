// The renderer and the check agree on random recordings (fast-check): the AppArmor profile tracewall generates from a
// recording denies nothing in it, except what the renderer said it could not express (capabilities and socket families
// AppArmor has no name for). Paths include hostile characters, /proc/self, many files in one directory (generalised to
// a glob) and writes under /proc and /sys (where the protective denies must give way).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderProfiles } from '../../src/cli/profiles.js';
import { FILE_ACCESSES, type Recording } from '../../src/recording/types.js';
import { check, short, SYSTEM_INCLUDES, systemIncludes } from './apparmor-helpers.js';
import { makeRecording } from './render-helpers.js';

const SEGMENT = fc
  .stringMatching(/^[a-z0-9._ ,"\\{}[\]*?#@^\n\t\u00e9\u202e\ufffd-]{1,8}$/)
  .filter((s) => s !== '.' && s !== '..');
const DIRS = [
  '/tmp',
  '/srv/data',
  '/proc',
  '/proc/thread-self',
  '/proc/42',
  '/proc/sys',
  '/proc/self',
  '/proc/sys/kernel',
  '/sys',
  '/sys/fs/cgroup',
  '/sys/kernel',
  '/etc',
  '/var/log/app',
];
const CAPS = ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_SETUID', 'CAP_SYS_ADMIN', 'CAP_BOGUS_THING'];
const FAMILIES = ['AF_INET', 'AF_INET6', 'AF_UNIX', 'AF_NETLINK', 'AF_PACKET', 'AF_BOGUS', '99'];
const TYPES = ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET', 'SOCK_STREAM|SOCK_CLOEXEC'];

const arbPath = fc
  .tuple(fc.constantFrom(...DIRS), fc.array(SEGMENT, { minLength: 1, maxLength: 3 }))
  .map(([d, segs]) => `${d}/${segs.join('/')}`);

const arbRecording = fc
  .record({
    files: fc.dictionary(arbPath, fc.subarray([...FILE_ACCESSES], { minLength: 1 }), { maxKeys: 8 }),
    many: fc.boolean(),
    execs: fc.subarray(['/usr/bin/app', '/bin/sh', '/usr/bin/busybox'], { minLength: 1 }),
    caps: fc.subarray(CAPS),
    sockets: fc.array(fc.record({ family: fc.constantFrom(...FAMILIES), type: fc.constantFrom(...TYPES) }), {
      maxLength: 3,
    }),
  })
  .map((g): Recording => {
    const files: Recording['files'] = {};
    for (const [p, access] of Object.entries(g.files)) files[p] = { access: [...access] };
    // many files with one access in one directory: the renderer may make "dir/*" of them
    if (g.many) for (let i = 0; i < 12; i++) files[`/srv/many/f${i}.txt`] = { access: ['read'] };
    for (const e of g.execs) files[e] = { access: ['exec'] };
    const sockets = [...new Map(g.sockets.map((s) => [`${s.family}/${s.type}`, { ...s, protocol: '0' }])).values()];
    return makeRecording({
      name: 'rand',
      files,
      executables: g.execs.map((path, i) => ({ path, argv0: path, parent: i === 0 ? '' : g.execs[0]! })),
      network: { sockets, bind: [], connect: [], listen: [] },
      identity: {
        uids: [0],
        gids: [0],
        changes: [],
        capabilities: g.caps.map((name) => ({ name, reasons: ['test'] })),
      },
    });
  });

/** The AppArmor profile tracewall generates from one recording. */
function appArmorOf(r: Recording): string {
  const out = renderProfiles([r], {
    format: 'docker',
    defaultAction: 'errno',
    runtime: 'none',
    apparmorAnnotation: false,
  });
  return out.files.find((f) => f.file.endsWith('.apparmor'))!.data;
}

/** What the renderer cannot express, so the check must list it: exactly these. */
function inexpressible(r: Recording): string[] {
  const out: string[] = [];
  if (r.identity.capabilities.some((c) => c.name === 'CAP_BOGUS_THING')) out.push('capability capability bogus_thing');
  for (const s of r.network.sockets) {
    if (s.family !== 'AF_BOGUS' && s.family !== '99') continue;
    out.push(
      `network network ${s.family === '99' ? '99' : 'bogus'} ${s.type.split('|')[0]!.replace('SOCK_', '').toLowerCase()}`,
    );
  }
  return [...new Set(out)].sort();
}

describe.skipIf(!SYSTEM_INCLUDES)('the generated AppArmor profile of a random recording allows all of it', () => {
  it('denies nothing but what the renderer could not express (120 runs)', () => {
    fc.assert(
      fc.property(arbRecording, (r) => {
        const text = appArmorOf(r);
        const report = check(text, [r], systemIncludes);
        expect(short(report).sort()).toEqual(inexpressible(r));
      }),
      { numRuns: 120, seed: 1234 },
    );
  });
});

describe.skipIf(!SYSTEM_INCLUDES)('cases the random recordings found', () => {
  it('a name that was not valid UTF-8 under /proc/sys/kernel: the "?" it is rendered as makes the protective deny give way', () => {
    const r = makeRecording({
      name: 'rand',
      files: { '/proc/sys/kernel/\ufffd': { access: ['create'] }, '/bin/sh': { access: ['exec'] } },
      executables: [{ path: '/bin/sh', argv0: '/bin/sh', parent: '' }],
    });
    const text = appArmorOf(r);
    expect(text).not.toMatch(/^\s*deny \/proc\/sys\/kernel\/\? w,/m);
    expect(short(check(text, [r], systemIncludes))).toEqual([]);
  });

  it('/proc/self with a newline in the rest of the path is still /proc/<pid> to AppArmor', () => {
    const r = makeRecording({ name: 'rand', files: { '/proc/self/\n#/#': { access: ['metadata'] } }, executables: [] });
    const text = appArmorOf(r);
    expect(short(check(text, [r], systemIncludes))).toEqual([]);
  });
});
