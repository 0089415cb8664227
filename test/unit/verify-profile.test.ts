// The profile side of verify: Docker profiles resolved for one container, the log-mode and enforce-mode changes, and
// what the profile as written does with each call.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/verify/docker-resolve.js';
import { toLogProfile } from '../../src/verify/log-profile.js';
import { toEnforceProfile } from '../../src/verify/enforce-profile.js';
import { outcomeOf } from '../../src/verify/profile-outcome.js';
import type { SeccompProfile } from '../../src/model/seccomp-profile.js';
import { schemaPath } from '../../src/validate/schemas.js';

const ARCHES = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
const RUNC_SPEC_CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

function generated(): SeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: [...ARCHES],
    syscalls: [
      { names: ['close', 'execve', 'exit_group', 'write'], action: 'SCMP_ACT_ALLOW' },
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ],
  };
}

describe('log-mode profile', () => {
  it('turns the denying default into SCMP_ACT_LOG, keeps clone3 → ENOSYS and says so, and logs execve as the start check', () => {
    const t = toLogProfile(generated());
    expect(t.profile).toEqual({
      defaultAction: 'SCMP_ACT_LOG',
      architectures: ARCHES,
      syscalls: [
        { names: ['close', 'exit_group', 'write'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['clone'],
          action: 'SCMP_ACT_ALLOW',
          args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
        },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
    expect(t.sentinel).toBe(true);
    expect(t.changes).toEqual(['default action SCMP_ACT_ERRNO(EPERM) becomes SCMP_ACT_LOG']);
    expect(t.kept).toEqual([
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO(ENOSYS)', why: expect.stringContaining('glibc fall back to clone') },
    ]);
  });

  it('turns denying rules into SCMP_ACT_LOG under an allowing default, adds a LOG rule for execve, and adds missing architectures', () => {
    const t = toLogProfile({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' },
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 1,
          args: [{ index: 0, value: 8, op: 'SCMP_CMP_NE' }],
        },
      ],
    });
    expect(t.profile).toEqual({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ARCHES,
      syscalls: [
        { names: ['ptrace'], action: 'SCMP_ACT_LOG' },
        { names: ['personality'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 8, op: 'SCMP_CMP_NE' }] },
        { names: ['execve'], action: 'SCMP_ACT_LOG' },
      ],
    });
    expect(t.changes).toHaveLength(3);
  });

  it('drops rules that become the LOG default, and gives up the start check when execve has argument rules', () => {
    const t = toLogProfile({
      defaultAction: 'SCMP_ACT_KILL_PROCESS',
      architectures: ARCHES,
      syscalls: [
        { names: ['execve'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_NE' }] },
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      ],
    });
    expect(t.profile.syscalls).toEqual([
      { names: ['execve'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_NE' }] },
    ]);
    expect(t.sentinel).toBe(false);
    expect(t.warnings.join('\n')).toContain('cannot confirm that the container started');
  });

  it('does not change the profile it was given', () => {
    const p = generated();
    const before = JSON.stringify(p);
    toLogProfile(p);
    toEnforceProfile(p, 'crun');
    expect(JSON.stringify(p)).toBe(before);
  });
});

describe('enforce-mode profile', () => {
  it('adds SECCOMP_FILTER_FLAG_LOG for crun (errno answers recorded), nothing for runc (it refuses flags)', () => {
    expect(toEnforceProfile(generated(), 'crun').profile.flags).toEqual(['SECCOMP_FILTER_FLAG_LOG']);
    const runc = toEnforceProfile(generated(), 'runc');
    expect(runc.profile).toEqual(generated());
    expect(runc.warnings[0]).toContain('runc 1.1 refuses seccomp flags');
  });
});

describe('what the profile as written does', () => {
  it('allows, denies with the default, depends on arguments, answers ENOSYS, or lacks the architecture', () => {
    const p = generated();
    expect(outcomeOf(p, 'write', 'x86_64')).toEqual({ kind: 'allow', text: 'SCMP_ACT_ALLOW' });
    expect(outcomeOf(p, 'mkdir', 'x86_64')).toEqual({ kind: 'deny', text: 'SCMP_ACT_ERRNO(EPERM)' });
    expect(outcomeOf(p, 'clone', 'x86_64')).toEqual({
      kind: 'conditional',
      text: 'depends on arguments: SCMP_ACT_ALLOW for matching arguments, otherwise SCMP_ACT_ERRNO(EPERM)',
    });
    expect(outcomeOf(p, 'clone3', 'x86_64')).toEqual({ kind: 'deliberate', text: 'SCMP_ACT_ERRNO(ENOSYS)' });
    expect(outcomeOf({ ...p, architectures: ['SCMP_ARCH_X86_64'] }, 'write', 'i386')).toEqual({
      kind: 'arch',
      text: 'architecture SCMP_ARCH_X86 is not in the profile',
    });
    expect(outcomeOf({ defaultAction: 'SCMP_ACT_KILL_PROCESS' }, 'write', 'x32').kind).toBe('arch');
  });
});

describe("Docker's profile format", () => {
  const docker = JSON.parse(fs.readFileSync(schemaPath('docker-default-seccomp.json'), 'utf8')) as Record<
    string,
    unknown
  >;

  it("resolves Docker's default profile for a container with runc spec's capabilities the way moby does", () => {
    const oci = resolveProfile(docker, 'docker', { capabilities: RUNC_SPEC_CAPS, kernel: '6.18.44' });
    expect(oci.architectures).toEqual(ARCHES);
    expect(oci).not.toHaveProperty('archMap');
    for (const rule of oci.syscalls ?? []) {
      expect(rule).not.toHaveProperty('includes');
      expect(rule).not.toHaveProperty('excludes');
      expect(rule).not.toHaveProperty('comment');
    }
    // clone3 answers ENOSYS unless CAP_SYS_ADMIN; mount only with CAP_SYS_ADMIN
    expect(outcomeOf(oci, 'clone3', 'x86_64').kind).toBe('deliberate');
    expect(outcomeOf(oci, 'mount', 'x86_64').kind).toBe('deny');
    const admin = resolveProfile(docker, 'docker', {
      capabilities: [...RUNC_SPEC_CAPS, 'CAP_SYS_ADMIN'],
      kernel: '6.18.44',
    });
    expect(outcomeOf(admin, 'clone3', 'x86_64').kind).toBe('allow');
    expect(outcomeOf(admin, 'mount', 'x86_64').kind).toBe('allow');
  });

  it('honours minKernel and arches conditions', () => {
    const p = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['a'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.0' } },
        { names: ['b'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
        { names: ['c'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
        { names: ['d'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'], minKernel: '6.18' }, comment: 'kept' },
        { name: 'e', action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_KILL'] } },
      ],
    };
    expect(resolveProfile(p, 'docker', { capabilities: RUNC_SPEC_CAPS, kernel: '6.18.44-fc' }).syscalls).toEqual([
      { names: ['d'], action: 'SCMP_ACT_ALLOW' },
    ]);
  });
});
