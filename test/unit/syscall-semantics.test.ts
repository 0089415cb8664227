// The syscall table drives the tracers and the builder: strace's raw list comes from it, the bpftrace program's probe
// list agrees with it, and a syscall added to it (one row) is recorded without any other change.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  SYSCALL_SEMANTICS,
  argumentsNeeded,
  rawCalls,
  semanticsOf,
  type SemanticsTable,
} from '../../src/syscalls/semantics.js';
import { syscallNumber } from '../../src/syscalls/index.js';
import { RAW_CALLS, straceArgs } from '../../src/trace/strace.js';
import { BPFTRACE_PROGRAM } from '../../src/trace/bpftrace.js';
import { recordingFromStrace } from '../../src/analyze/from-strace.js';

const meta = {
  name: 'unit',
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.18',
  target: { kind: 'command' as const, argv: ['x'], cwd: '/w' },
  initialCwd: '/w',
  initialUid: 1000,
  initialGid: 1000,
};

describe('the syscall table', () => {
  it('gives strace its raw list (-e raw=) and nothing with an effect is printed raw', () => {
    expect(RAW_CALLS).toEqual(rawCalls());
    expect(straceArgs('LOG')).toContain(`raw=${rawCalls().join(',')}`);
    for (const name of rawCalls()) expect(semanticsOf(name)?.effect, name).toBeUndefined();
  });

  it('names only syscalls that exist on x86_64 or i386, and reads as many arguments as its rows use', () => {
    for (const name of Object.keys(SYSCALL_SEMANTICS)) {
      const known = syscallNumber('x86_64', name) !== undefined || syscallNumber('i386', name) !== undefined;
      expect(known, name).toBe(true);
    }
    expect(argumentsNeeded(SYSCALL_SEMANTICS.openat!)).toBe(3);
    expect(argumentsNeeded(SYSCALL_SEMANTICS.renameat2!)).toBe(4);
    expect(argumentsNeeded(SYSCALL_SEMANTICS.setresuid!)).toBe(3);
    expect(argumentsNeeded(SYSCALL_SEMANTICS.clone!)).toBe(Infinity);
    expect(argumentsNeeded(SYSCALL_SEMANTICS.getuid!)).toBe(0);
  });

  it("agrees with the bpftrace program's probe list: every x86_64 call it reads arguments of has an effect", () => {
    const program = fs.readFileSync(BPFTRACE_PROGRAM, 'utf8');
    const probed = [...program.matchAll(/@cls\[(\d+)\] = (\d+);/g)].map((m) => Number(m[1]));
    expect(probed.length).toBeGreaterThan(50);
    const byNumber = new Map(
      Object.keys(SYSCALL_SEMANTICS)
        .map((n) => [syscallNumber('x86_64', n), n] as const)
        .filter((e): e is readonly [number, string] => e[0] !== undefined),
    );
    for (const nr of probed)
      expect(semanticsOf(byNumber.get(nr) ?? `#${nr}`)?.effect, `x86_64 call ${nr}`).toBeDefined();
    // and the other way: every x86_64 call with an effect is probed, but for those bpftrace learns otherwise
    const otherwise = new Set(['execve', 'execveat', 'fork', 'vfork', 'chdir', 'fchdir', 'mprotect', 'pkey_mprotect']);
    const missing = [...byNumber]
      .filter(([nr, n]) => SYSCALL_SEMANTICS[n]!.effect && !probed.includes(nr) && !otherwise.has(n))
      .map(([, n]) => n);
    expect(missing).toEqual([]);
  });

  it('one row is all a new syscall needs: a made-up call with the semantics of openat is recorded as one', () => {
    const table: SemanticsTable = {
      ...SYSCALL_SEMANTICS,
      tracewall_test_open: { effect: 'open', category: 'file', dirfd: 0, path: 1, values: { flags: 2 } },
    };
    const log = [
      '100 tracewall_test_open(AT_FDCWD</w>, "made/up", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3</w/made/up>',
      '100 +++ exited with 0 +++',
      '',
    ].join('\n');
    const withRow = recordingFromStrace(log, { ...meta, table });
    expect(withRow.files['/w/made/up']?.access).toEqual(['write', 'create']);
    expect(withRow.syscalls.x86_64?.tracewall_test_open?.count).toBe(1);
    const without = recordingFromStrace(log, meta);
    expect(without.files['/w/made/up']).toBeUndefined();
  });
});

describe('the one name rule', () => {
  it('is the Recording schema pattern, and every checker follows it', async () => {
    const { NAME_PATTERN, isValidName, nameFrom } = await import('../../src/util/names.js');
    const schema = JSON.parse(
      fs.readFileSync(new URL('../../src/recording/recording-v1.schema.json', import.meta.url), 'utf8'),
    ) as { definitions: { name: { pattern: string } } };
    expect(schema.definitions.name.pattern).toBe(NAME_PATTERN);
    const { checkProfileName } = await import('../../src/render/apparmor-escape.js');
    for (const n of ['a', 'app-1.2_x', 'x'.repeat(63)]) {
      expect(isValidName(n)).toBe(true);
      expect(checkProfileName(n)).toBe(n);
    }
    for (const n of ['', '-a', 'a b', 'x'.repeat(64), 'a/b']) {
      expect(isValidName(n)).toBe(false);
      expect(() => checkProfileName(n)).toThrow(/not a valid name; expected 1-63 characters/);
    }
    expect(nameFrom('/usr/sbin/nginx')).toBe('nginx');
    expect(isValidName(nameFrom('--weird name!'))).toBe(true);
  });
});
