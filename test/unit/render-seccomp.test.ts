import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ociSeccompValidator } from '../../src/validate/schemas.js';
import type { Recording } from '../../src/recording/types.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { planSeccomp, renderSeccomp, renderSeccompJson, SECCOMP_ARCHITECTURES } from '../../src/render/seccomp.js';
import {
  CLONE_NAMESPACE_MASK,
  cloneCreatesNamespace,
  personalityValue,
  addressFamilyValue,
} from '../../src/render/seccomp-args.js';
import { fromRoot } from '../../src/util/paths.js';
import YAML from 'yaml';
import { renderSeccompSpo } from '../../src/render/seccomp-spo.js';
import { expectGolden, loadRecording, makeRecording } from './render-helpers.js';

const THIS = 'test/unit/render-seccomp.test.ts';
const ref = (...p: string[]) =>
  fromRoot('src', 'validate', 'schemas', ...p.map((x) => (x === 'oci-schema' ? 'oci' : x)));

const validate = ociSeccompValidator();
const SYSCALL_FIELDS = Object.keys(
  JSON.parse(fs.readFileSync(ref('oci-schema', 'defs-linux.json'), 'utf8')).definitions.Syscall.properties,
);

const policyOf = (patch: Partial<Recording>, runtime: 'crun' | 'runc' | 'none' = 'none') =>
  buildPolicy([makeRecording(patch)], { name: 'app', runtime });
const fixturePolicy = () => buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });

describe('seccomp argument values', () => {
  it('uses the header values for the namespace mask (Docker: 2114060288)', () => {
    expect(CLONE_NAMESPACE_MASK).toBe(2114060288);
  });
  it('reads clone flags, personalities and families as strace prints them', () => {
    expect(cloneCreatesNamespace('CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD')).toBe(false);
    expect(cloneCreatesNamespace('CLONE_NEWUSER|SIGCHLD')).toBe(true);
    expect(cloneCreatesNamespace('0x10000011')).toBe(true);
    expect(cloneCreatesNamespace('CLONE_VM|WEIRD')).toBeUndefined();
    expect(personalityValue('PER_LINUX')).toBe(0);
    expect(personalityValue('PER_LINUX32|UNAME26')).toBe(0x20008);
    expect(personalityValue('0xffffffff')).toBe(4294967295);
    expect(personalityValue('PER_MADEUP')).toBeUndefined();
    expect([
      addressFamilyValue('AF_UNIX'),
      addressFamilyValue('PF_INET6'),
      addressFamilyValue('16'),
      addressFamilyValue('AF_NOPE'),
    ]).toEqual([1, 10, 16, undefined]);
  });
});

describe('renderSeccomp', () => {
  it('denies by default with EPERM, lists x86_64 and its 32-bit sub-architectures, never allows all', () => {
    const p = renderSeccomp(fixturePolicy(), { format: 'oci' });
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.architectures).toEqual([...SECCOMP_ARCHITECTURES]);
    expect(p.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(p).not.toHaveProperty('archMap');
  });

  it('uses other default actions only on request', () => {
    const k = renderSeccomp(fixturePolicy(), { format: 'oci', defaultAction: 'kill-process' });
    expect(k.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    expect(k).not.toHaveProperty('defaultErrnoRet');
    expect(renderSeccomp(fixturePolicy(), { format: 'docker', defaultAction: 'log' }).defaultAction).toBe(
      'SCMP_ACT_LOG',
    );
    expect(() => renderSeccomp(fixturePolicy(), { format: 'oci', defaultAction: 'allow' as never })).toThrow(/"allow"/);
    expect(() => renderSeccomp(fixturePolicy(), { format: 'spo' as never })).toThrow(
      /seccomp format "spo" is not one tracewall writes/,
    );
  });

  for (const format of ['oci', 'docker'] as const) {
    it(`${format}: valid against the OCI runtime-spec schema`, () => {
      for (const defaultAction of ['errno', 'kill-process', 'log'] as const) {
        const p = renderSeccomp(fixturePolicy(), { format, defaultAction });
        expect(validate(p), JSON.stringify(validate.errors)).toBe(true);
      }
    });
  }

  it('the schema check itself rejects bad profiles (control)', () => {
    expect(validate({ defaultAction: 'SCMP_ACT_NOPE' })).toBe(false);
    expect(validate({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] })).toBe(
      false,
    );
    expect(validate({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_PDP11'] })).toBe(false);
  });

  it('oci: rules hold only the fields the OCI schema defines (no comment)', () => {
    for (const r of renderSeccomp(fixturePolicy(), { format: 'oci' }).syscalls) {
      for (const k of Object.keys(r)) expect(SYSCALL_FIELDS).toContain(k);
    }
  });

  it('docker: every rule has a comment', () => {
    for (const r of renderSeccomp(fixturePolicy(), { format: 'docker' }).syscalls) expect(r.comment).toMatch(/\w/);
  });

  it('keeps the application rule exactly the observed syscalls without argument facts', () => {
    const plan = planSeccomp(fixturePolicy());
    const app = plan.rules.find((r) => r.kind === 'app')!.rule.names;
    const observed = Object.keys(loadRecording('busybox-httpd').syscalls.x86_64!).filter(
      (n) => n !== 'socket' && n !== 'clone',
    );
    expect(app).toEqual(observed.sort());
  });

  it('allows socket only for the observed families, one rule each', () => {
    const p = renderSeccomp(
      policyOf({
        syscalls: { x86_64: { socket: { count: 3, failed: 0, args: { domain: ['AF_UNIX', 'AF_INET6', 'AF_INET'] } } } },
      }),
      { format: 'oci' },
    );
    const socket = p.syscalls.filter((r) => r.names.includes('socket'));
    expect(socket).toEqual(
      [1, 2, 10].map((value) => ({
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
      })),
    );
  });

  it('allows socket for every family when the recording does not know the families', () => {
    const p = renderSeccomp(policyOf({ syscalls: { x86_64: { socket: { count: 1, failed: 0 } } } }), { format: 'oci' });
    expect(p.syscalls[0]).toEqual({ names: ['socket'], action: 'SCMP_ACT_ALLOW' });
  });

  it('allows clone only without namespace flags, unless a namespace flag was observed', () => {
    const plain = renderSeccomp(
      policyOf({
        syscalls: { x86_64: { clone: { count: 1, failed: 0, args: { flags: ['CLONE_VM|CLONE_VFORK|SIGCHLD'] } } } },
      }),
      { format: 'oci' },
    );
    expect(plain.syscalls.find((r) => r.names[0] === 'clone')).toEqual({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    const ns = renderSeccomp(
      policyOf({
        syscalls: {
          x86_64: {
            clone: { count: 2, failed: 0, args: { flags: ['SIGCHLD', 'CLONE_NEWNET|CLONE_NEWUSER|SIGCHLD'] } },
          },
        },
      }),
      { format: 'docker' },
    );
    const rule = ns.syscalls.find((r) => r.names[0] === 'clone')!;
    expect(rule.args).toBeUndefined();
    expect(rule.comment).toMatch(/namespace flags were observed \(CLONE_NEWNET\|CLONE_NEWUSER\|SIGCHLD\)/);
  });

  it('allows personality only for the observed values', () => {
    const p = renderSeccomp(
      policyOf({
        syscalls: { x86_64: { personality: { count: 2, failed: 0, args: { persona: ['0xffffffff', 'PER_LINUX'] } } } },
      }),
      { format: 'oci' },
    );
    expect(p.syscalls.filter((r) => r.names[0] === 'personality').map((r) => r.args![0]!.value)).toEqual([
      0, 4294967295,
    ]);
  });

  it('answers clone3 with ENOSYS when it was not observed, and allows it when it was', () => {
    const p = renderSeccomp(fixturePolicy(), { format: 'oci' });
    expect(p.syscalls.at(-1)).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    const q = renderSeccomp(policyOf({ syscalls: { x86_64: { clone3: { count: 1, failed: 0 } } } }), { format: 'oci' });
    expect(q.syscalls).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ALLOW' }]);
  });

  it('adds the runtime layer as its own labelled rule with only what the application did not need', () => {
    const p = renderSeccomp(fixturePolicy(), { format: 'docker' });
    const layer = p.syscalls.find((r) => r.comment?.startsWith('runtime layer: runc 1.1.5'))!;
    expect(layer.names).toEqual(['epoll_ctl', 'fstatfs', 'futex', 'getdents64']);
    expect(layer.comment).toMatch(
      /already allowed by the application rules: close, execve, getpid, openat, rt_sigreturn, write/,
    );
    const none = renderSeccomp(buildPolicy([loadRecording('busybox-httpd')], { name: 'x', runtime: 'none' }), {
      format: 'docker',
    });
    expect(none.syscalls.some((r) => r.comment?.startsWith('runtime layer'))).toBe(false);
  });

  it('keeps i386-only syscalls in their own rule and says which of them widen x86_64', () => {
    const pol = policyOf({
      syscalls: {
        x86_64: { read: { count: 1, failed: 0 } },
        i386: { read: { count: 1, failed: 0 }, socketcall: { count: 1, failed: 0 }, ioctl: { count: 1, failed: 0 } },
      },
    });
    const plan = planSeccomp(pol);
    expect(plan.rules.find((r) => r.kind === 'app')!.rule.names).toEqual(['read']);
    const compat = plan.rules.find((r) => r.kind === 'compat')!.rule;
    expect(compat.names).toEqual(['ioctl', 'socketcall']);
    expect(compat.comment).toMatch(/allowed there too: ioctl$/);
    expect(plan.warnings.some((w) => w.includes('x86_64 may use them too') && w.endsWith(': ioctl'))).toBe(true);
  });

  it('leaves out syscalls that have no name, with a warning', () => {
    const plan = planSeccomp(
      policyOf({ syscalls: { x86_64: { read: { count: 1, failed: 0 }, syscall_0x1f4: { count: 1, failed: 1 } } } }),
    );
    expect(plan.allowed.app).toEqual(['read']);
    expect(plan.warnings[0]).toMatch(/"syscall_0x1f4" has no name/);
  });

  it('is deterministic and ends with a newline', () => {
    const a = renderSeccompJson(fixturePolicy(), { format: 'docker' });
    expect(a).toBe(renderSeccompJson(fixturePolicy(), { format: 'docker' }));
    expect(a.endsWith('}\n')).toBe(true);
    expect(a).toContain('\n  "defaultAction"');
  });

  it("spo: a SeccompProfile resource with the OCI rules and each rule's provenance as a comment", () => {
    const text = renderSeccompSpo(fixturePolicy());
    const cr = YAML.parse(text);
    expect(cr).toMatchObject({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1',
      kind: 'SeccompProfile',
      metadata: { name: 'busybox-httpd' },
    });
    const oci = renderSeccomp(fixturePolicy(), { format: 'oci' });
    expect(cr.spec).toEqual({
      defaultAction: oci.defaultAction,
      architectures: oci.architectures,
      syscalls: oci.syscalls,
    });
    expect(text).toMatch(/^ {4}# runtime layer: runc 1\.1\.5/m);
    expect(validate({ ...cr.spec, defaultErrnoRet: 1 })).toBe(true);
  });

  it('matches the golden files', () => {
    expectGolden('busybox-httpd.seccomp.docker.json', renderSeccompJson(fixturePolicy(), { format: 'docker' }), THIS);
    expectGolden('busybox-httpd.seccomp.oci.json', renderSeccompJson(fixturePolicy(), { format: 'oci' }), THIS);
    expectGolden('busybox-httpd.seccomp.spo.yaml', renderSeccompSpo(fixturePolicy()), THIS);
  });
});
