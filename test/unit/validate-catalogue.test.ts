import { describe, expect, test } from 'vitest';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { I386_SYSCALLS, X32_SYSCALLS, X86_64_SYSCALLS } from '../../src/syscalls/table.generated.js';
import { RISK_LEVELS, SYSCALL_RISK, riskOf } from '../../src/validate/risk-catalogue.js';
import {
  classifySyscallName,
  NEWER_SYSCALLS,
  OTHER_ARCH_SYSCALLS,
  suggestSyscall,
} from '../../src/validate/syscall-names.js';
import { schemaPath } from '../../src/validate/schemas.js';

const inTables = (n: string): boolean => n in X86_64_SYSCALLS || n in I386_SYSCALLS || n in X32_SYSCALLS;

describe('risk catalogue', () => {
  const required = [
    'bpf',
    'init_module',
    'finit_module',
    'kexec_load',
    'kexec_file_load',
    'ptrace',
    'process_vm_writev',
    'process_vm_readv',
    'mount',
    'umount2',
    'pivot_root',
    'unshare',
    'setns',
    'keyctl',
    'add_key',
    'request_key',
    'userfaultfd',
    'perf_event_open',
    'open_by_handle_at',
    'io_uring_setup',
    'io_uring_enter',
    'io_uring_register',
    'move_mount',
    'fsopen',
    'fsmount',
    'fsconfig',
    'open_tree',
    'delete_module',
    'iopl',
    'ioperm',
    'swapon',
    'swapoff',
    'reboot',
    'syslog',
    'acct',
    'lookup_dcookie',
    'quotactl',
    'name_to_handle_at',
    'clone',
  ];
  test.each(required)('%s is rated critical or high with a reason', (name) => {
    const r = riskOf(name);
    expect(['critical', 'high']).toContain(r.level);
    expect(r.why.length).toBeGreaterThan(10);
  });

  test('every entry names a known syscall, a valid level and a one-line reason', () => {
    for (const [name, risk] of Object.entries(SYSCALL_RISK)) {
      expect(classifySyscallName(name), name).not.toBe('unknown');
      expect(RISK_LEVELS).toContain(risk.level);
      expect(risk.why).not.toMatch(/\n/);
    }
  });

  test('anything else is low', () => {
    expect(riskOf('read')).toEqual({ level: 'low', why: 'not in the risk catalogue' });
    expect(riskOf('toString').level).toBe('low');
  });
});

describe('syscall names', () => {
  test('the newer-than-6.1 list is really absent from the generated tables', () => {
    for (const n of Object.keys(NEWER_SYSCALLS)) expect(inTables(n), n).toBe(false);
    for (const n of [
      'cachestat',
      'fchmodat2',
      'map_shadow_stack',
      'futex_wake',
      'futex_wait',
      'futex_requeue',
      'statmount',
      'listmount',
      'lsm_get_self_attr',
      'lsm_set_self_attr',
      'lsm_list_modules',
      'mseal',
      'setxattrat',
      'getxattrat',
      'listxattrat',
      'removexattrat',
      'open_tree_attr',
      'file_getattr',
      'file_setattr',
    ]) {
      expect(classifySyscallName(n), n).toBe('newer');
    }
  });

  test('the other-architecture list is absent from the x86 tables', () => {
    for (const n of OTHER_ARCH_SYSCALLS) expect(inTables(n), n).toBe(false);
  });

  test('classification and suggestions', () => {
    expect(classifySyscallName('read')).toBe('x86');
    expect(classifySyscallName('socketcall')).toBe('x86');
    expect(classifySyscallName('arm_fadvise64_64')).toBe('other-arch');
    expect(classifySyscallName('READ')).toBe('unknown');
    expect(classifySyscallName('constructor')).toBe('unknown');
    expect(suggestSyscall('READ')).toBe('read');
    expect(suggestSyscall('opnat')).toBe('openat');
    expect(suggestSyscall('xyzzyplugh')).toBeUndefined();
  });
});

describe('shipped schemas', () => {
  test('the OCI schemas and Docker default profile are the unmodified upstream files', () => {
    const sha = (p: string): string => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    expect(sha(schemaPath('oci', 'config-linux.json'))).toBe(
      '123bb6c446d0054d37f6cc8c569e72cbec5ca5a5a670cf7a77aa30b2834344bc',
    );
    expect(sha(schemaPath('oci', 'defs-linux.json'))).toBe(
      '75f7814a39067ce49f250919e546c99fd30f20b140e354a3248ae0c218874783',
    );
    expect(sha(schemaPath('oci', 'defs.json'))).toBe(
      '8f49fc6537c0c0766cd8bd109037d8db34d9b01d24ee765687bd8674fb128ecd',
    );
    expect(sha(schemaPath('docker-default-seccomp.json'))).toBe(
      '536529b665dd0972c37bfb569f5d4ac8a53592e7b00752bc39ff063ca9864c74',
    );
  });
});
