// The syscall table is generated from this machine's kernel headers, never typed by hand: it must match them.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/util/paths.js';
import {
  X86_64_SYSCALLS,
  I386_SYSCALLS,
  X32_SYSCALLS,
  ADDRESS_FAMILIES,
  CLONE_FLAGS,
} from '../../src/syscalls/table.generated.js';

const HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
const why = fs.existsSync(HEADER) ? undefined : `${HEADER} is missing (apt-get install linux-libc-dev)`;
if (why) console.warn(`skipped: the header comparison: ${why}`);

describe('generated syscall table', () => {
  it.skipIf(why)('is exactly what scripts/gen-syscalls.mjs makes from the headers', () => {
    const out = execFileSync(process.execPath, [fromRoot('scripts', 'gen-syscalls.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/table matches the headers/);
  });

  it('has the well-known numbers', () => {
    expect([X86_64_SYSCALLS.read, X86_64_SYSCALLS.execve, X86_64_SYSCALLS.clone3]).toEqual([0, 59, 435]);
    expect([I386_SYSCALLS.execve, I386_SYSCALLS.socketcall]).toEqual([11, 102]);
    expect(X32_SYSCALLS.read).toBe(0x40000000);
    expect([ADDRESS_FAMILIES.AF_INET, ADDRESS_FAMILIES.AF_PACKET]).toEqual([2, 17]);
    expect(CLONE_FLAGS.CLONE_NEWUSER).toBe(0x10000000);
  });
});
