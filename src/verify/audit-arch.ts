// What the numbers in a SECCOMP audit record mean: AUDIT_ARCH_* and syscall number to ABI and name, action code to SCMP_ACT_*.
import os from 'node:os';
import type { Abi } from '../recording/types.js';
import { syscallName } from '../syscalls/index.js';

/** AUDIT_ARCH_X86_64 (EM_X86_64 | 64-bit | little endian). */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** AUDIT_ARCH_I386 (EM_386 | little endian). */
export const AUDIT_ARCH_I386 = 0x40000003;
/** x32 calls run on AUDIT_ARCH_X86_64 with this bit set in the number. */
export const X32_SYSCALL_BIT = 0x40000000;

/** The ABI of a record, or undefined for an architecture tracewall does not know. */
export function abiOf(arch: number, syscall: number): Abi | undefined {
  if (arch === AUDIT_ARCH_I386) return 'i386';
  if (arch === AUDIT_ARCH_X86_64) return (syscall & X32_SYSCALL_BIT) !== 0 ? 'x32' : 'x86_64';
  return undefined;
}

/** The syscall's name on its ABI, or strace's placeholder form (syscall_0x1b3) for a number the table lacks. */
export function nameOf(abi: Abi, syscall: number): string {
  return syscallName(abi, syscall) ?? `syscall_0x${syscall.toString(16)}`;
}

const ACTIONS: ReadonlyArray<[number, string]> = [
  [0x80000000, 'SCMP_ACT_KILL_PROCESS'],
  [0x00000000, 'SCMP_ACT_KILL_THREAD'],
  [0x00030000, 'SCMP_ACT_TRAP'],
  [0x00050000, 'SCMP_ACT_ERRNO'],
  [0x7fc00000, 'SCMP_ACT_NOTIFY'],
  [0x7ff00000, 'SCMP_ACT_TRACE'],
  [0x7ffc0000, 'SCMP_ACT_LOG'],
  [0x7fff0000, 'SCMP_ACT_ALLOW'],
];

/** The SCMP_ACT_* name of a record's code (the kernel logs the action without its data, so no errno). */
export function actionOf(code: number): string {
  const action = (code & 0xffff0000) >>> 0;
  return ACTIONS.find(([v]) => v === action)?.[1] ?? `0x${action.toString(16)}`;
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(os.constants.errno).map(([name, n]) => [n, name]));

/** "EPERM" for 1, the number itself when unknown. */
export function errnoName(n: number): string {
  return ERRNO_NAMES.get(n) ?? String(n);
}
