import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import { brief, diff, DOCKER_DEFAULT, fixture, run } from './diff-helpers.js';

const read = (p: string): string => fs.readFileSync(p, 'utf8');
const profile = (rules: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: rules,
    ...extra,
  });
const allow = (...names: string[]) => ({ names, action: 'SCMP_ACT_ALLOW' });

describe("a generated profile against Docker's default", () => {
  test('lists the removed critical syscalls, conditional ones marked as such, and nothing widening', () => {
    const r = diff(read(DOCKER_DEFAULT), read(fixture('app.seccomp.json')), 'docker-default', 'app');
    const critical = r.findings.filter((f) => f.risk === 'critical');
    expect(critical.every((f) => f.change === 'removed' && f.kind === 'syscall' && !f.widens)).toBe(true);
    const names = critical.map((f) => f.subject);
    for (const n of [
      'ptrace',
      'process_vm_writev',
      'mount',
      'umount2',
      'unshare',
      'setns',
      'bpf',
      'init_module',
      'finit_module',
      'open_by_handle_at',
      'perf_event_open',
    ]) {
      expect(names).toContain(n);
    }
    const ptrace = critical.find((f) => f.subject === 'ptrace')!;
    expect(ptrace.detail).toMatch(/^was allowed on kernel >= 4\.8 \(/);
    const mount = critical.find((f) => f.subject === 'mount')!;
    expect(mount.detail).toMatch(/^was allowed only when: with CAP_SYS_ADMIN \(/);
    expect(critical.find((f) => f.subject === 'open_by_handle_at')!.detail).toMatch(/with CAP_DAC_READ_SEARCH/);
    expect(r.summary.widening).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
    expect(r.summary.added).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
  });

  test("argument-filtered allows are compared by meaning: socket(AF_INET) is inside Docker's socket ranges", () => {
    const r = diff(read(DOCKER_DEFAULT), read(fixture('app.seccomp.json')));
    const socket = r.findings.find((f) => f.subject === 'socket')!;
    expect(socket).toMatchObject({ change: 'changed', widens: false });
    expect(socket.detail).toContain('+ arg0 == AF_INET');
    const clone = r.findings.find((f) => f.subject === 'clone')!;
    expect(clone).toMatchObject({ change: 'changed', widens: false });
  });

  test('the other way round, the critical syscalls are added and fail --fail-on', async () => {
    const res = await run(fixture('app.seccomp.json'), DOCKER_DEFAULT, { failOn: 'critical' });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/^ {2}\+ syscall ptrace: allowed on kernel >= 4\.8 /m);
    expect(res.out).toMatch(/^ {2}\+ syscall mount: allowed only when: with CAP_SYS_ADMIN /m);
    expect(res.err).toMatch(/--fail-on critical reached/);
  });
});

describe('--fail-on', () => {
  test('high exits 1 when ptrace is added', async () => {
    const res = await run(fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json'), { failOn: 'high' });
    expect(res.code).toBe(1);
    expect(res.out).toContain('1 added (1 critical), 0 removed');
    expect(res.out).toMatch(/\+ syscall ptrace: allowed \(reads and writes other processes/);
  });

  test('high exits 0 when only getpid is added; low exits 1', async () => {
    const high = await run(fixture('app.seccomp.json'), fixture('app-getpid.seccomp.json'), { failOn: 'high' });
    expect(high.code).toBe(0);
    expect(high.out).toContain('+ syscall getpid: allowed');
    expect(high.err).toBe('');
    expect((await run(fixture('app.seccomp.json'), fixture('app-getpid.seccomp.json'), { failOn: 'low' })).code).toBe(
      1,
    );
  });

  test('removals never fail it', async () => {
    const res = await run(fixture('app-ptrace.seccomp.json'), fixture('app.seccomp.json'), { failOn: 'low' });
    expect(res.code).toBe(0);
    expect(res.out).toContain('- syscall ptrace: was allowed');
  });

  test('without --fail-on the verb exits 0 whatever changed', async () => {
    expect((await run(fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json'))).code).toBe(0);
  });
});

describe('seccomp semantics', () => {
  test('default action to ALLOW is one critical widening finding', () => {
    const r = diff(profile([allow('read')]), profile([allow('read')], { defaultAction: 'SCMP_ACT_ALLOW' }));
    expect(brief(r.findings)).toEqual(['changed default-action defaultAction critical widens']);
    expect(r.findings[0]!.detail).toBe(
      'SCMP_ACT_ERRNO(1) -> SCMP_ACT_ALLOW: every syscall no rule names is now allowed',
    );
    const back = diff(profile([allow('read')], { defaultAction: 'SCMP_ACT_LOG' }), profile([allow('read')]));
    expect(brief(back.findings)).toEqual(['changed default-action defaultAction critical']);
  });

  test('an explicit deny removed under an allowing default is an added allow', () => {
    const r = diff(
      profile([{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO' }], { defaultAction: 'SCMP_ACT_LOG' }),
      profile([], { defaultAction: 'SCMP_ACT_LOG' }),
    );
    expect(brief(r.findings)).toEqual(['added syscall ptrace critical widens']);
    expect(r.findings[0]!.detail).toMatch(/^allowed by the default action/);
  });

  test('architectures: an added ABI widens, a removed one is reported as killed; archMap is read for x86_64', () => {
    const r = diff(profile([allow('read')], { architectures: ['SCMP_ARCH_X86_64'] }), profile([allow('read')]));
    expect(brief(r.findings)).toEqual([
      'added architecture SCMP_ARCH_X32 medium widens',
      'added architecture SCMP_ARCH_X86 medium widens',
    ]);
    const back = diff(profile([allow('read')]), profile([allow('read')], { architectures: [] }));
    expect(brief(back.findings)).toEqual([
      'removed architecture SCMP_ARCH_X32 low',
      'removed architecture SCMP_ARCH_X86 low',
    ]);
    expect(back.findings[0]!.detail).toMatch(/killed .*native x86_64 only/);
    const archMap = JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      archMap: [
        { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
        { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      ],
      syscalls: [allow('read')],
    });
    expect(diff(archMap, profile([allow('read')])).findings).toEqual([]);
  });

  test('an argument filter dropped is a widening change; a filtered allow is rated one level lower', () => {
    const filtered = {
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    };
    const added = diff(profile([allow('read')]), profile([allow('read'), filtered]));
    expect(brief(added.findings)).toEqual(['added syscall clone medium widens']);
    expect(added.findings[0]!.detail).toMatch(/^allowed only when: arg0 & 0x7e020000 == 0/);
    const dropped = diff(profile([filtered]), profile([allow('clone')]));
    expect(brief(dropped.findings)).toEqual(['changed syscall clone high widens']);
    expect(dropped.findings[0]!.detail).toMatch(
      /^condition dropped: now allowed, was allowed only when: arg0 & 0x7e020000 == 0/,
    );
  });

  test('a capability condition keeps the level; rules for other architectures are ignored', () => {
    const r = diff(
      profile([]),
      profile([
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
      ]),
    );
    expect(brief(r.findings)).toEqual(['added syscall mount critical widens']);
  });

  test('a denied syscall with a different errno is an info change', () => {
    const r = diff(profile([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]), profile([]));
    expect(brief(r.findings)).toEqual(['changed syscall clone3 info']);
    expect(r.findings[0]!.detail).toBe(
      'denied with SCMP_ACT_ERRNO(38) -> denied with SCMP_ACT_ERRNO(1) (the default action)',
    );
  });

  test('an OCI config.json is diffed through its linux.seccomp', () => {
    const config = JSON.stringify({
      ociVersion: '1.0.2',
      process: {},
      root: { path: 'rootfs' },
      linux: { seccomp: JSON.parse(profile([allow('read', 'ptrace')])) },
    });
    expect(brief(diff(profile([allow('read')]), config).findings)).toEqual(['added syscall ptrace critical widens']);
  });

  test('identical profiles: no differences', async () => {
    const res = await run(fixture('app.seccomp.json'), fixture('app.seccomp.json'), { failOn: 'low' });
    expect(res).toEqual({
      code: 0,
      err: '',
      out: `tracewall diff (seccomp): ${fixture('app.seccomp.json')} (seccomp-docker) -> ${fixture('app.seccomp.json')} (seccomp-docker)\nno differences\n`,
    });
  });
});
