// Hardening 4: safe output. Profiles generated from fixture recordings and from random recordings never have an
// allow-all default unless asked, always list the three x86 architectures (so an unobserved 32-bit call is denied),
// never allow a syscall that is not in the recording, the runtime layer or the clone3-ENOSYS rule; the Kubernetes
// snippet and the AppArmor profile grant no capability, family or privilege that was not observed; and `validate`
// reports profiles that allow critical syscalls unconditionally, with the risk.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderProfiles } from '../../src/cli/profiles.js';
import { recordingFromStrace } from '../../src/analyze/from-strace.js';
import { readRecording, serializeRecording } from '../../src/recording/io.js';
import { RUNTIME_LAYERS } from '../../src/render/runtime-layers.js';
import { syscallNames, syscallTable } from '../../src/syscalls/index.js';
import { ABIS, type Recording } from '../../src/recording/types.js';
import { makeRecording } from '../unit/render-helpers.js';
import { FIXTURES, NO_DIST, ROOT, announce, fcSeed, rmrf, runCli, tempDir } from './helpers.js';

type Runtime = 'crun' | 'runc' | 'none';
type DefaultAction = 'errno' | 'kill-process' | 'log';
interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: unknown[];
}
interface Profile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: Rule[];
}

const X86_64 = new Set(Object.keys(syscallTable('x86_64')));
/** Names that exist only as 32-bit (i386/x32) syscalls. */
const COMPAT_ONLY = new Set(
  [...Object.keys(syscallTable('i386')), ...Object.keys(syscallTable('x32'))].filter((n) => !X86_64.has(n)),
);

/** Every syscall name a recording observed, under any ABI. */
function observedNames(recs: readonly Recording[]): Set<string> {
  const out = new Set<string>();
  for (const r of recs) for (const abi of ABIS) for (const n of Object.keys(r.syscalls[abi] ?? {})) out.add(n);
  return out;
}

/** Names observed only under the 32-bit ABIs. */
function observedCompat(recs: readonly Recording[]): Set<string> {
  const out = new Set<string>();
  for (const r of recs)
    for (const abi of ['i386', 'x32'] as const) for (const n of Object.keys(r.syscalls[abi] ?? {})) out.add(n);
  return out;
}

function capabilitiesOf(recs: readonly Recording[]): Set<string> {
  return new Set(recs.flatMap((r) => r.identity.capabilities.map((c) => c.name)));
}

/** The profile object of any seccomp format (docker / oci JSON, spo YAML). */
function seccompOf(file: { file: string; data: string }): Profile {
  if (file.file.endsWith('.yaml')) return (YAML.parse(file.data) as { spec: Profile }).spec;
  return JSON.parse(file.data) as Profile;
}

/** Check one rendering of `recs` against every safe-output rule. */
function checkRendering(
  recs: readonly Recording[],
  runtime: Runtime,
  defaultAction: DefaultAction,
  format: 'docker' | 'oci' | 'spo',
): void {
  const out = renderProfiles(recs, { format, defaultAction, runtime, apparmorAnnotation: false });
  const [seccompFile, apparmorFile, k8sFile] = out.files;
  const label = `${recs.map((r) => r.name).join('+')} runtime=${runtime} default=${defaultAction} format=${format}`;

  // Seccomp: the default.
  const p = seccompOf(seccompFile!);
  const wantDefault = { errno: 'SCMP_ACT_ERRNO', 'kill-process': 'SCMP_ACT_KILL_PROCESS', log: 'SCMP_ACT_LOG' }[
    defaultAction
  ];
  expect(p.defaultAction, label).toBe(wantDefault);
  expect(p.defaultAction, label).not.toBe('SCMP_ACT_ALLOW');
  // Seccomp: all three x86 ABIs listed, so the default applies to 32-bit calls too (not the bad-arch kill, not allow).
  expect(p.architectures, label).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  // Seccomp: only ALLOW rules and the one clone3 ENOSYS rule.
  const observed = observedNames(recs);
  const layer =
    runtime === 'none'
      ? new Set<string>()
      : new Set([...RUNTIME_LAYERS[runtime].syscalls, ...RUNTIME_LAYERS[runtime].withoutNoNewPrivileges.syscalls]);
  const allowed = new Set<string>();
  for (const rule of p.syscalls) {
    if (rule.action === 'SCMP_ACT_ALLOW') {
      rule.names.forEach((n) => allowed.add(n));
      continue;
    }
    expect(rule, label).toEqual({
      names: ['clone3'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
      ...(format === 'docker' ? { comment: expect.any(String) } : {}),
    });
  }
  for (const n of allowed)
    expect(observed.has(n) || layer.has(n), `${label}: ${n} allowed but never observed`).toBe(true);
  expect(
    p.syscalls.some((r) => r.names.includes('clone3') && r.action === 'SCMP_ACT_ERRNO'),
    label,
  ).toBe(!allowed.has('clone3'));
  // 32-bit-only syscalls are allowed only when they were observed under a 32-bit ABI.
  const compat = observedCompat(recs);
  for (const n of allowed) if (COMPAT_ONLY.has(n)) expect(compat.has(n), `${label}: 32-bit ${n}`).toBe(true);
  // A name seccomp cannot resolve (strace's syscall_0x placeholder) is never allowed.
  for (const n of allowed) expect(n, label).toMatch(/^[a-z_][a-z0-9_]*$/);
  for (const n of allowed) expect(n, label).not.toMatch(/^syscall_0x/);

  // Kubernetes: nothing granted that was not observed.
  const pod = YAML.parse(k8sFile!.data) as {
    spec: { containers: Array<{ securityContext: Record<string, unknown> }>; volumes?: Array<Record<string, unknown>> };
  };
  const sc = pod.spec.containers[0]!.securityContext as {
    allowPrivilegeEscalation: boolean;
    privileged: boolean;
    capabilities: { add?: string[]; drop: string[] };
    seccompProfile: { type: string };
    appArmorProfile: { type: string };
    runAsNonRoot?: boolean;
  };
  expect(sc.allowPrivilegeEscalation, label).toBe(false);
  expect(sc.privileged, label).toBe(false);
  expect(sc.capabilities.drop, label).toEqual(['ALL']);
  const caps = capabilitiesOf(recs);
  for (const c of sc.capabilities.add ?? [])
    expect(caps.has(`CAP_${c}`), `${label}: capability ${c} added but never observed`).toBe(true);
  expect(sc.seccompProfile.type, label).toBe('Localhost');
  expect(sc.appArmorProfile.type, label).toBe('Localhost');
  for (const v of pod.spec.volumes ?? []) expect(Object.keys(v).sort(), label).toEqual(['emptyDir', 'name']);
  if (recs.some((r) => r.identity.uids.includes(0))) expect(sc.runAsNonRoot, label).toBeUndefined();

  // AppArmor: capabilities and network families only as observed; no bare (allow-all) rules, no unconfined exec.
  const aa = apparmorFile!.data;
  for (const m of aa.matchAll(/^\s*capability\s+([a-z_]+)\s*,/gm))
    expect(caps.has(`CAP_${m[1]!.toUpperCase()}`), `${label}: capability ${m[1]}`).toBe(true);
  const families = new Set(
    recs.flatMap((r) => r.network.sockets.map((s) => s.family.replace(/^AF_/, '').toLowerCase())),
  );
  if (families.has('local') || families.has('file')) families.add('unix');
  for (const m of aa.matchAll(/^\s*network\s+([a-z0-9]+)/gm))
    expect(families.has(m[1]!), `${label}: network ${m[1]}`).toBe(true);
  expect(aa, label).not.toMatch(/^\s*(capability|network|file|mount|ptrace|signal|unix|dbus)\s*,/m);
  expect(aa, label).not.toMatch(/^\s*"?\/\*\*"?\s+[a-z]*[wx]/m);
  expect(aa, label).not.toMatch(/\s(p|P|c|C)?[uU]x\s*,|\sunconfined\s*,/);
}

// ---- fixture recordings ----

const META = {
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.1.0',
  initialCwd: '/',
  initialUid: 0,
  initialGid: 0,
};

function fixtureRecordings(): Recording[] {
  const recs: Recording[] = [];
  for (const f of ['recordings/busybox-httpd.json', 'diff/old.recording.json', 'diff/new.recording.json'])
    recs.push(readRecording(path.join(FIXTURES, f)));
  for (const f of fs.readdirSync(path.join(ROOT, 'examples')).filter((x) => x.endsWith('.recording.json')))
    recs.push(readRecording(path.join(ROOT, 'examples', f)));
  const logs = path.join(FIXTURES, 'strace');
  for (const f of fs
    .readdirSync(logs)
    .filter((x) => x.endsWith('.log'))
    .sort()) {
    const name = f.replace(/\.log$/, '');
    recs.push(
      recordingFromStrace(fs.readFileSync(path.join(logs, f), 'utf8'), {
        ...META,
        name,
        target: { kind: 'log', file: f },
      }),
    );
  }
  return recs;
}

describe('generated profiles from the fixture recordings', () => {
  const recs = fixtureRecordings();

  it(`${recs.length} recordings × runtime none/crun/runc × default errno/kill-process/log × format docker/oci/spo`, () => {
    expect(recs.length).toBeGreaterThanOrEqual(10);
    for (const rec of recs) {
      for (const runtime of ['none', 'crun', 'runc'] as const) {
        for (const d of ['errno', 'kill-process', 'log'] as const) {
          for (const format of ['docker', 'oci', 'spo'] as const) checkRendering([rec], runtime, d, format);
        }
      }
    }
  });

  it('merged: all fixture recordings together', () => {
    checkRendering(recs, 'runc', 'errno', 'docker');
  });

  it('an i386 recording allows its 32-bit calls; an x86_64-only one allows none of them', () => {
    const i386 = recs.find((r) => r.name === 'i386')!;
    const withCompat = renderProfiles([i386], {
      format: 'oci',
      defaultAction: 'errno',
      runtime: 'none',
      apparmorAnnotation: false,
    });
    const allowedCompat = JSON.parse(withCompat.files[0]!.data) as Profile;
    expect(allowedCompat.syscalls.flatMap((r) => r.names)).toEqual(expect.arrayContaining(['waitpid']));
    const x64 = recs.find((r) => r.name === 'net')!;
    const p = JSON.parse(
      renderProfiles([x64], { format: 'oci', defaultAction: 'errno', runtime: 'none', apparmorAnnotation: false })
        .files[0]!.data,
    ) as Profile;
    expect(p.syscalls.flatMap((r) => r.names).filter((n) => COMPAT_ONLY.has(n))).toEqual([]);
  });
});

// ---- random recordings ----

const X86_NAMES = syscallNames('x86_64');
const I386_ONLY = [...COMPAT_ONLY].filter((n) => n in syscallTable('i386')).sort();
const CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SYS_ADMIN',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_MKNOD',
  'CAP_BOGUS_THING',
];
const FAMILIES = ['AF_INET', 'AF_INET6', 'AF_UNIX', 'AF_NETLINK', 'AF_PACKET', 'AF_BOGUS', '99'];
const TYPES = ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET'];
const ACCESSES = [
  'read',
  'write',
  'append',
  'create',
  'delete',
  'rename',
  'exec',
  'mmap-exec',
  'link',
  'lock',
  'dir-list',
  'metadata',
  'stat',
] as const;
const FILES = [
  '/etc/passwd',
  '/tmp/x',
  '/var/lib/app/data',
  '/proc/1/status',
  '/proc/self/fd',
  '/usr/bin/sh',
  '/srv/a b/c',
  '/dev/null',
  '/run/app.sock',
  '/sys/fs/cgroup/x',
];
const fact = fc.record({ count: fc.integer({ min: 1, max: 50 }), failed: fc.constant(0) });

const arbRecording = fc
  .record({
    x86: fc.subarray(X86_NAMES, { maxLength: 40 }),
    i386: fc.subarray(I386_ONLY, { maxLength: 4 }),
    placeholder: fc.boolean(),
    socketDomains: fc.subarray(FAMILIES, { maxLength: 3 }),
    cloneFlags: fc.subarray(['CLONE_VM|CLONE_THREAD', 'CLONE_NEWUSER|SIGCHLD', 'SIGCHLD', 'garbage'], { maxLength: 2 }),
    caps: fc.subarray(CAPS, { maxLength: 4 }),
    sockets: fc.array(fc.record({ family: fc.constantFrom(...FAMILIES), type: fc.constantFrom(...TYPES) }), {
      maxLength: 3,
    }),
    files: fc.dictionary(fc.constantFrom(...FILES), fc.subarray([...ACCESSES], { minLength: 1 }), { maxKeys: 6 }),
    uid: fc.constantFrom(0, 1000),
    target: fc.oneof<[fc.Arbitrary<Recording['target']>, fc.Arbitrary<Recording['target']>]>(
      fc.constant<Recording['target']>({ kind: 'command', argv: ['/bin/app'], cwd: '/' }),
      fc
        .record({ runtime: fc.constantFrom('crun' as const, 'runc' as const), nnp: fc.boolean() })
        .map((t): Recording['target'] => ({
          kind: 'bundle',
          bundle: '/b',
          runtime: t.runtime,
          runtimeVersion: '1',
          argv: ['/app'],
          cwd: '/',
          noNewPrivileges: t.nnp,
        })),
    ),
    facts: fc.array(fact, { minLength: 50, maxLength: 50 }),
  })
  .map((g) => {
    const x86: NonNullable<Recording['syscalls']['x86_64']> = {};
    g.x86.forEach((n, i) => (x86[n] = { ...g.facts[i % 50]! }));
    if (g.socketDomains.length > 0) x86.socket = { count: 1, failed: 0, args: { domain: [...g.socketDomains].sort() } };
    if (g.cloneFlags.length > 0) x86.clone = { count: 1, failed: 0, args: { flags: [...g.cloneFlags].sort() } };
    if (g.placeholder) x86.syscall_0x1f0 = { count: 1, failed: 0 };
    const syscalls: Recording['syscalls'] = { x86_64: x86 };
    if (g.i386.length > 0) syscalls.i386 = Object.fromEntries(g.i386.map((n) => [n, { count: 1, failed: 0 }]));
    const files: Recording['files'] = {};
    for (const [p, a] of Object.entries(g.files)) files[p] = { access: [...a] };
    const sockets = [
      ...new Map(g.sockets.map((s) => [`${s.family}/${s.type}`, { ...s, protocol: 'IPPROTO_IP' }])).values(),
    ];
    return makeRecording({
      name: 'rand',
      target: g.target,
      syscalls,
      files,
      network: { sockets, bind: [], connect: [], listen: [] },
      identity: {
        uids: [g.uid],
        gids: [g.uid],
        changes: [],
        capabilities: g.caps.map((name) => ({ name, reasons: ['test'] })),
      },
    });
  });

describe('generated profiles from random recordings (fast-check over the Recording shape)', () => {
  it('every rendering keeps every safe-output rule (150 runs)', () => {
    fc.assert(
      fc.property(
        arbRecording,
        fc.constantFrom<Runtime>('none', 'crun', 'runc'),
        fc.constantFrom<DefaultAction>('errno', 'kill-process', 'log'),
        fc.constantFrom('docker' as const, 'oci' as const, 'spo' as const),
        (rec, runtime, d, format) => {
          serializeRecording(rec);
          checkRendering([rec], runtime, d, format);
        },
      ),
      { numRuns: 150, seed: fcSeed('safe output') },
    );
  });

  it('merging two random recordings grants no more than their union (50 runs)', () => {
    fc.assert(
      fc.property(arbRecording, arbRecording, (a, b) => {
        checkRendering([a, { ...b, name: 'rand2' }], 'none', 'errno', 'docker');
      }),
      { numRuns: 50, seed: fcSeed('safe output merge') },
    );
  });
});

// ---- validate flags what is unsafe ----

describe.skipIf(announce(NO_DIST))('`tracewall validate` reports unsafe profiles, with the risk', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('safe');
  });
  afterAll(() => rmrf(dir));

  const write = (name: string, v: unknown): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, JSON.stringify(v, null, 2));
    return p;
  };
  const ARCHES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

  it('ptrace and bpf allowed unconditionally: each reported as critical with its risk; an argument-restricted rule is not', async () => {
    const f = write('critical.json', {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ARCHES,
      syscalls: [
        { names: ['read', 'ptrace', 'bpf'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['clone'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
        },
      ],
    });
    const r = await runCli(['validate', f]);
    const lines = r.stdout.split('\n');
    for (const name of ['ptrace', 'bpf']) {
      expect(
        lines.filter((l) => l.includes(`"${name}"`)),
        r.stdout,
      ).toEqual([
        expect.stringMatching(new RegExp(`allows critical-risk syscall "${name}" unconditionally \\(risk: .{10,}\\)`)),
      ]);
    }
    expect(r.stdout).not.toMatch(/"clone"/);
    expect(r.stdout).not.toMatch(/"read"/);
  });

  it('an allow-all default is an error (exit 2); a log default is reported as a complain profile', async () => {
    const allowAll = write('allow-all.json', {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ARCHES,
      syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO' }],
    });
    const r = await runCli(['validate', allowAll]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/error: default action SCMP_ACT_ALLOW allows every syscall/);
    const log = write('log.json', { defaultAction: 'SCMP_ACT_LOG', architectures: ARCHES, syscalls: [] });
    const l = await runCli(['validate', log]);
    expect(l.stdout).toMatch(/SCMP_ACT_LOG is a complain profile/);
  });

  it('missing 32-bit architectures are reported', async () => {
    const f = write('no-x32.json', {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }],
    });
    const r = await runCli(['validate', f]);
    expect(r.stdout).toMatch(/lack[s]? .*SCMP_ARCH_X86/);
  });

  it('a generated profile of a workload that really used ptrace is flagged the same way (the reviewer sees the risk)', async () => {
    const rec = makeRecording({
      name: 'tracer',
      syscalls: { x86_64: { read: { count: 1, failed: 0 }, ptrace: { count: 2, failed: 0 } } },
    });
    const recFile = path.join(dir, 'tracer.recording.json');
    fs.writeFileSync(recFile, serializeRecording(rec));
    const out = path.join(dir, 'gen');
    fs.mkdirSync(out);
    const g = await runCli(['generate', '-o', out, recFile]);
    expect(g.code, g.stderr).toBe(0);
    const r = await runCli(['validate', path.join(out, 'tracer.seccomp.json')]);
    expect(r.stdout).toMatch(/allows critical-risk syscall "ptrace" unconditionally \(risk: /);
  });
});
