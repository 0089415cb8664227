import { describe, expect, test } from 'vitest';
import { validateFile } from '../../src/validate/validate-file.js';
import { validateSeccomp } from '../../src/validate/seccomp.js';
import { schemaPath } from '../../src/validate/schemas.js';
import { fixture, keys, only } from './validate-helpers.js';

describe("Docker's default profile", () => {
  test('validates with no errors; its warnings and notes are exactly these', async () => {
    const r = await validateFile(schemaPath('docker-default-seccomp.json'));
    expect(r.kind).toBe('seccomp-docker');
    expect(only(r.findings, 'error')).toEqual([]);
    const summary = r.findings.map((f) => `${f.severity} ${f.where} ${/"([A-Za-z0-9_]+)"/.exec(f.message)?.[1] ?? ''}`);
    expect(summary).toEqual([
      'info /archMap archMap',
      // names newer than the Linux 6.1 tables: warned, not errors
      'warning /syscalls/0/names/7 cachestat',
      'warning /syscalls/0/names/53 fchmodat2',
      'warning /syscalls/0/names/75 futex_requeue',
      'warning /syscalls/0/names/77 futex_wait',
      'warning /syscalls/0/names/79 futex_wake',
      'warning /syscalls/0/names/117 getxattrat',
      'warning /syscalls/0/names/143 listmount',
      'warning /syscalls/0/names/145 listxattrat',
      'warning /syscalls/0/names/154 map_shadow_stack',
      'warning /syscalls/0/names/178 mseal',
      'info /syscalls/0/names/221 recv',
      'warning /syscalls/0/names/228 removexattrat',
      'info /syscalls/0/names/233 riscv_hwprobe',
      'info /syscalls/0/names/265 send',
      'warning /syscalls/0/names/299 setxattrat',
      'warning /syscalls/0/names/317 statmount',
      'warning /syscalls/0/names/349 uretprobe',
      'warning /syscalls/17/names/9 lsm_get_self_attr',
      'warning /syscalls/17/names/10 lsm_list_modules',
      'warning /syscalls/17/names/11 lsm_set_self_attr',
      // risky syscalls Docker allows without a capability condition
      'warning /syscalls/0/names/187 name_to_handle_at',
      'warning /syscalls/1/names/0 process_vm_readv',
      'warning /syscalls/1/names/1 process_vm_writev',
      'warning /syscalls/1/names/2 ptrace',
      'warning /syscalls/13/names/0 modify_ldt',
    ]);
    // capability-conditional rules (mount, bpf, ... under CAP_SYS_ADMIN etc.) are not reported
    expect(r.findings.some((f) => /"(mount|bpf|kexec_load|init_module)"/.test(f.message))).toBe(false);
  });
});

describe("the seed's example profile", () => {
  test('is valid OCI, but lacks the 32-bit sub-architectures and allows clone without a flags filter', async () => {
    const r = await validateFile(fixture('seed-seccomp.json'));
    expect(r.kind).toBe('seccomp-oci');
    expect(keys(r.findings)).toEqual(['warning /architectures', 'warning /syscalls/0/names/5']);
    expect(r.findings[0]?.message).toMatch(/lack SCMP_ARCH_X86 and SCMP_ARCH_X32.*bad-architecture action/);
    expect(r.findings[1]?.message).toMatch(/allows high-risk syscall "clone" unconditionally \(risk: .*CLONE_NEW/);
  });
});

describe('seccomp findings', () => {
  test('a clean OCI profile has none', async () => {
    expect((await validateFile(fixture('good-oci-seccomp.json'))).findings).toEqual([]);
  });

  test('unknown names are errors with a suggestion; newer names are warnings', async () => {
    const r = await validateFile(fixture('unknown-syscall.json'));
    expect(keys(r.findings)).toEqual([
      'error /syscalls/0/names/1',
      'error /syscalls/0/names/2',
      'warning /syscalls/0/names/3',
    ]);
    expect(r.findings[0]?.message).toContain('unknown syscall name "wirte"');
    expect(r.findings[0]?.message).toContain('did you mean "write"?');
    expect(r.findings[1]?.message).toContain('"frobnicate"');
    expect(r.findings[2]?.message).toContain('"cachestat" is newer than the Linux 6.1 tables');
  });

  test('a name twice with the same action and no args is a duplicate; with another action a conflict; with args neither', async () => {
    const r = await validateFile(fixture('duplicate-syscall.json'));
    expect(keys(r.findings)).toEqual(['error /syscalls/1/names/1', 'error /syscalls/2/names/0']);
    expect(r.findings[0]?.message).toMatch(/^duplicate syscall "write": already listed at \/syscalls\/0\/names\/1/);
    expect(r.findings[1]?.message).toMatch(/^conflicting rules for "close"/);
  });

  test('an allow-all default is an error, a log default a warning', async () => {
    const allow = await validateFile(fixture('allow-all-default.json'));
    expect(keys(allow.findings)).toEqual(['error /defaultAction']);
    expect(allow.findings[0]?.message).toContain('SCMP_ACT_ALLOW allows every syscall');
    const log = await validateFile(fixture('log-default.json'));
    expect(keys(log.findings)).toEqual(['warning /defaultAction']);
    expect(log.findings[0]?.message).toContain('complain profile');
  });

  test('a wrong type is a schema error naming the value found', async () => {
    const r = await validateFile(fixture('wrong-type.json'));
    expect(r.findings).toEqual([
      { severity: 'error', message: 'must be array (found string "read")', where: '/syscalls/0/names' },
    ]);
  });

  test('missing architectures, or missing sub-architectures, are warnings about what libseccomp does', async () => {
    const none = await validateFile(fixture('no-architectures.json'));
    expect(keys(none.findings)).toEqual(['warning /architectures']);
    expect(none.findings[0]?.message).toMatch(
      /native ABI only .*i386 .*x32 .*bad-architecture action \(the thread is killed with SIGSYS\)/,
    );
    const partial = await validateFile(fixture('missing-subarch.json'));
    expect(keys(partial.findings)).toEqual(['warning /architectures']);
    expect(partial.findings[0]?.message).toMatch(/lack SCMP_ARCH_X32/);
  });

  test('critical and high-risk syscalls allowed without args are warned; an argument-filtered clone is not', async () => {
    const r = await validateFile(fixture('critical-allowed.json'));
    expect(r.findings.map((f) => f.message.replace(/ \(risk:.*/, ''))).toEqual([
      'allows critical-risk syscall "mount" unconditionally',
      'allows critical-risk syscall "bpf" unconditionally',
      'allows critical-risk syscall "unshare" unconditionally',
    ]);
    expect(only(r.findings, 'error')).toEqual([]);
  });

  test('malformed JSON is one error with line and column', async () => {
    const r = await validateFile(fixture('malformed.json'));
    expect(r.kind).toBe('seccomp-oci');
    expect(r.findings).toEqual([
      { severity: 'error', message: 'not valid JSON: trailing comma before "]"', where: 'line 5, column 3' },
    ]);
  });

  test('Docker-only fields are checked for shape; the OCI subset for the rest', async () => {
    const r = await validateFile(fixture('docker-bad-fields.json'));
    expect(r.kind).toBe('seccomp-docker');
    expect(keys(only(r.findings, 'error'))).toEqual([
      'error /defaultErrno',
      'error /syscalls/0/comment',
      'error /syscalls/1/includes/arch',
      'error /syscalls/1/includes/caps/0',
      'error /syscalls/1/includes/minKernel',
    ]);
    expect(r.findings.find((f) => f.where === '/syscalls/1/includes/arch')?.message).toContain(
      'did you mean "arches"?',
    );
    expect(r.findings.find((f) => f.where === '/archMap' && f.severity === 'warning')?.message).toContain(
      'lacks SCMP_ARCH_X32',
    );
    // ptrace is allowed only with CAP_SYS_PTRACE (even if the cap is misspelt): not unconditional
    expect(r.findings.some((f) => f.message.includes('"ptrace"'))).toBe(false);
  });

  test("an OCI config.json's linux.seccomp is validated at its own pointer", async () => {
    const r = await validateFile(fixture('oci-config.json'));
    expect(r.kind).toBe('oci-config');
    expect(keys(r.findings)).toEqual(['error /linux/seccomp/syscalls/0/names/2']);
    expect(r.findings[0]?.message).toContain('did you mean "read"?');
  });

  test('runtime refusals and no-ops are reported', () => {
    const f = validateSeccomp(
      {
        defaultAction: 'SCMP_ACT_NOTIFY',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [
          { names: ['write'], action: 'SCMP_ACT_NOTIFY' },
          { names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 5, args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] },
          { names: ['close'], action: 'SCMP_ACT_ALLOW', nmaes: ['x'] },
        ],
        defaultErrnoRet: 1,
        comments: 'x',
      },
      '',
    );
    expect(f.map((x) => `${x.severity} ${x.where}`)).toEqual([
      'error /defaultAction',
      'warning /defaultErrnoRet',
      'info /syscalls/0/action',
      'error /syscalls/0/action',
      'warning /syscalls/1/errnoRet',
      'error /syscalls/1/args/0/index',
      'warning /comments',
      'warning /syscalls/2/nmaes',
    ]);
  });

  test('a non-object is one error', () => {
    expect(validateSeccomp([], '')).toEqual([
      { severity: 'error', message: 'a seccomp profile must be a JSON object (found an array)', where: '/' },
    ]);
  });

  test('the Podman/CRI-O default profile (Docker format with null args) has no schema errors', async () => {
    const file = fixture('podman-crio-default-seccomp.json');
    const r = await validateFile(file);
    expect(r.kind).toBe('seccomp-docker');
    expect(only(r.findings, 'error')).toEqual([]);
  });
});
