// From records to a verdict: aggregation by call, ABI and origin against the profile as written; text and JSON output;
// the choice of log source; option checks of the CLI verb.
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/verify/aggregate.js';
import { formatVerifyJson } from '../../src/verify/format-json.js';
import { formatVerifyText } from '../../src/verify/format-text.js';
import { verifyExitCode } from '../../src/verify/exit-code.js';
import { findLogSource, type SourceProbe } from '../../src/verify/find-source.js';
import { verifyCommand } from '../../src/cli/verify.js';
import { TracewallError } from '../../src/errors.js';
import type { SeccompProfile } from '../../src/model/seccomp-profile.js';
import type { SeccompRecord, VerifyReport } from '../../src/verify/types.js';

const PROFILE: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 1,
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  syscalls: [
    { names: ['execve', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

let serial = 0;
function rec(comm: string, exe: string, syscall: number, more: Partial<SeccompRecord> = {}): SeccompRecord {
  return {
    serial: ++serial,
    time: 1,
    pid: 100,
    ses: 7,
    auid: 0,
    uid: 0,
    comm,
    exe,
    arch: 0xc000003e,
    syscall,
    code: 0x7ffc0000,
    sig: 0,
    ...more,
  };
}

const RECORDS = [
  rec('crun', '/', 59), // the runtime's execve of the entrypoint: the start check, allowed
  rec('crun', '/', 138), // fstatfs by the runtime
  rec('sh', '/bin/busybox', 59), // an allowed execve: not a denial
  rec('mkdir', '/bin/busybox', 83),
  rec('mkdir', '/bin/busybox', 83, { pid: 101 }),
  rec('sh', '/bin/busybox', 83),
  rec('app', '/app', 39, { arch: 0x40000003 }), // i386 mkdir
  rec('app', '/app', 435, { code: 0x00050000 }), // clone3 answered ENOSYS (enforce mode with the log flag)
  rec('odd', '/odd', 1, { arch: 0xc00000b7 }),
];

describe('aggregate', () => {
  const agg = aggregate(RECORDS, PROFILE, 'crun');

  it('groups denials by origin, call and ABI, with every program that made them, sorted', () => {
    expect(agg.denials).toEqual([
      {
        syscall: 'mkdir',
        abi: 'i386',
        origin: 'app',
        count: 1,
        profileAction: 'SCMP_ACT_ERRNO(EPERM)',
        seenAction: 'SCMP_ACT_LOG',
        processes: [{ comm: 'app', exe: '/app', count: 1 }],
      },
      {
        syscall: 'mkdir',
        abi: 'x86_64',
        origin: 'app',
        count: 3,
        profileAction: 'SCMP_ACT_ERRNO(EPERM)',
        seenAction: 'SCMP_ACT_LOG',
        processes: [
          { comm: 'mkdir', exe: '/bin/busybox', count: 2 },
          { comm: 'sh', exe: '/bin/busybox', count: 1 },
        ],
      },
      {
        syscall: 'fstatfs',
        abi: 'x86_64',
        origin: 'runtime',
        count: 1,
        profileAction: 'SCMP_ACT_ERRNO(EPERM)',
        seenAction: 'SCMP_ACT_LOG',
        processes: [{ comm: 'crun', exe: '/', count: 1 }],
      },
    ]);
  });

  it('keeps deliberate answers apart, sees the start check, ignores allowed calls and unknown architectures (with a warning)', () => {
    expect(agg.deliberate.map((d) => [d.syscall, d.profileAction, d.seenAction])).toEqual([
      ['clone3', 'SCMP_ACT_ERRNO(ENOSYS)', 'SCMP_ACT_ERRNO'],
    ]);
    expect(agg.entrypointExecSeen).toBe(true);
    expect(agg.ignored).toBe(2);
    expect(agg.warnings).toEqual(['records with audit architecture 0xc00000b7 are not x86 and were left out']);
  });

  it('is the same whatever order the records come in', () => {
    expect(aggregate([...RECORDS].reverse(), PROFILE, 'crun')).toEqual(agg);
  });
});

function report(over: Partial<VerifyReport> = {}): VerifyReport {
  const agg = aggregate(RECORDS, PROFILE, 'crun');
  return {
    mode: 'log',
    bundle: '/b',
    profile: 'p.json',
    runtime: { name: 'crun', version: '1.8.1' },
    source: { kind: 'auditd', path: '/var/log/audit/audit.log' },
    attribution: 'audit-session',
    workload: { exitCode: 0, signal: null, exitSignal: null, timedOut: false, interrupted: false, stderrTail: '' },
    denials: agg.denials,
    deliberate: agg.deliberate,
    kept: [],
    changes: ['default action SCMP_ACT_ERRNO(EPERM) becomes SCMP_ACT_LOG'],
    warnings: [],
    ...over,
  };
}

describe('output and verdict', () => {
  it('text names each call, its ABI, who made it, and splits workload from runtime', () => {
    const text = formatVerifyText(report());
    expect(text).toContain(
      'would have been denied, made by the workload:\n  mkdir (i386): 1 call; the profile: SCMP_ACT_ERRNO(EPERM)\n      by app (/app)\n  mkdir (x86_64): 3 calls',
    );
    expect(text).toContain('      by mkdir (/bin/busybox): 2\n      by sh (/bin/busybox): 1');
    expect(text).toContain(
      "made by the runtime before the entrypoint's execve (its runtime layer):\n  fstatfs (x86_64)",
    );
    expect(text).toContain('result: 3 syscalls would have been denied');
  });

  it('JSON is stable and carries the verdict', () => {
    const json = formatVerifyJson(report());
    expect(formatVerifyJson(report())).toBe(json);
    const parsed = JSON.parse(json);
    expect(parsed).toMatchObject({ reportVersion: 1, result: { denied: 3, exitCode: 1 } });
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
  });

  it('exit 1 on any denial; in enforce mode also when the workload failed; 0 otherwise', () => {
    expect(verifyExitCode(report())).toBe(1);
    expect(verifyExitCode(report({ denials: [] }))).toBe(0);
    const failed = {
      exitCode: 1,
      signal: null,
      exitSignal: null,
      timedOut: false,
      interrupted: false,
      stderrTail: 'boom',
    };
    expect(verifyExitCode(report({ denials: [], workload: failed }))).toBe(0);
    expect(verifyExitCode(report({ denials: [], mode: 'enforce', workload: failed }))).toBe(1);
    expect(
      verifyExitCode(report({ denials: [], mode: 'enforce', workload: { ...failed, exitCode: 137, timedOut: true } })),
    ).toBe(0);
    expect(formatVerifyText(report({ denials: [], mode: 'enforce', workload: failed }))).toContain('    | boom\n');
  });
});

describe('log source', () => {
  const host = (over: Partial<SourceProbe>): SourceProbe => ({
    status: () => ({ enabled: 1, pid: 42, lost: 0, backlogLimit: 8192 }),
    alive: (s) => (s?.pid ?? 0) > 0,
    readable: () => true,
    readText: () => 'log_file = /var/log/audit/audit.log\n',
    actionsLogged: () => 'kill_process kill_thread trap errno user_notif trace log\n',
    ...over,
  });

  function code(fn: () => unknown): number | undefined {
    try {
      fn();
    } catch (e) {
      return e instanceof TracewallError ? e.exitCode : -1;
    }
    return undefined;
  }

  it('auditd when a daemon is registered, else the kernel log with its limits said, else exit 3 naming auditd', () => {
    expect(findLogSource(true, host({}))).toMatchObject({ kind: 'auditd', path: '/var/log/audit/audit.log' });
    const kmsg = findLogSource(true, host({ alive: () => false }));
    expect(kmsg).toMatchObject({ kind: 'kmsg', path: '/dev/kmsg' });
    expect(kmsg.notes.join(' ')).toContain('apt-get install auditd');
    expect(code(() => findLogSource(true, host({ alive: () => false, readable: () => false })))).toBe(3);
    expect(() => findLogSource(true, host({ alive: () => false, readable: () => false }))).toThrow(
      /apt-get install auditd/,
    );
  });

  it('exit 3 when auditd does not write logs, or the kernel does not log SCMP_ACT_LOG (log mode only)', () => {
    expect(code(() => findLogSource(true, host({ readText: () => 'write_logs = no\n' })))).toBe(3);
    const noLog = host({ actionsLogged: () => 'kill_process kill_thread\n' });
    expect(code(() => findLogSource(true, noLog))).toBe(3);
    expect(findLogSource(false, noLog).kind).toBe('auditd');
  });
});

describe('verify options', () => {
  const base = { bundle: '/nonexistent', seccomp: '/nonexistent.json', runtime: 'crun' };
  it.each([
    [{ runtime: 'docker' }, /--runtime "docker" is not valid; expected one of: crun, runc/],
    [{ mode: 'complain' }, /--mode "complain" is not valid; expected one of: log, enforce/],
    [{ timeout: '-1' }, /--timeout "-1" is not valid/],
    [{ timeout: 'soon' }, /--timeout "soon" is not valid/],
  ])('refuses %j with exit 2', async (over, message) => {
    const err = await verifyCommand({ ...base, ...over }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TracewallError);
    expect((err as TracewallError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
  });

  it('a profile file that is missing or not a seccomp profile is bad input (exit 2) before anything runs', async () => {
    const missing = await verifyCommand(base).catch((e: unknown) => e);
    expect((missing as TracewallError).exitCode).toBe(2);
    expect((missing as Error).message).toContain('/nonexistent.json is not a usable seccomp profile');
  });
});
