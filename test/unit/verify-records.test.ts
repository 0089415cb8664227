// Reading kernel SECCOMP audit records: auditd's raw and enriched lines, the kernel log's form, hex-encoded names,
// and what the numbers mean (ABI, name, action).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSeccompLine } from '../../src/verify/audit-line.js';
import { abiOf, actionOf, nameOf, errnoName } from '../../src/verify/audit-arch.js';
import { originOf } from '../../src/verify/origin.js';
import { parseKmsgRecord, lossSign } from '../../src/verify/kmsg-source.js';
import { parseAuditStatus } from '../../src/verify/auditctl.js';
import { auditLogSource, parseAuditdConf } from '../../src/verify/audit-log-source.js';

const ENRICHED =
  'type=SECCOMP msg=audit(1795937762.501:3177): auid=0 uid=0 gid=0 ses=1 pid=23977 comm="mkdir" exe="/bin/busybox" sig=0 arch=c000003e syscall=83 compat=0 ip=0x47b567 code=0x7ffc0000' +
  '\x1dAUID="root" UID="root" GID="root" ARCH=x86_64 SYSCALL=unknown-syscall(-1)';
const KMSG =
  'audit: type=1326 audit(1795937628.589:3107): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29971 comm="crun" exe="/" sig=31 arch=c000003e syscall=59 compat=0 ip=0x7fcaa583dad7 code=0x80000000';

describe('SECCOMP audit lines', () => {
  it('parses an enriched auditd line, ignoring the interpreted part', () => {
    expect(parseSeccompLine(ENRICHED)).toEqual({
      serial: 3177,
      time: 1795937762.501,
      pid: 23977,
      ses: 1,
      auid: 0,
      uid: 0,
      comm: 'mkdir',
      exe: '/bin/busybox',
      arch: 0xc000003e,
      syscall: 83,
      code: 0x7ffc0000,
      sig: 0,
    });
  });

  it('parses the kernel log form (numeric type) and a node= prefix', () => {
    expect(parseSeccompLine(KMSG)).toMatchObject({
      serial: 3107,
      pid: 29971,
      ses: 4294967295,
      comm: 'crun',
      exe: '/',
      syscall: 59,
      code: 0x80000000,
      sig: 31,
    });
    expect(parseSeccompLine(`node=box ${ENRICHED.replace('\x1d', '\x1dX')}`)).toMatchObject({
      pid: 23977,
      comm: 'mkdir',
    });
  });

  it('decodes comm and exe that audit wrote as hex (names with spaces or quotes)', () => {
    const line = KMSG.replace('comm="crun"', `comm=${Buffer.from('my app').toString('hex').toUpperCase()}`).replace(
      'exe="/"',
      `exe=${Buffer.from('/opt/a "b"').toString('hex').toUpperCase()}`,
    );
    expect(parseSeccompLine(line)).toMatchObject({ comm: 'my app', exe: '/opt/a "b"' });
  });

  it('ignores other record types and broken lines', () => {
    expect(parseSeccompLine('type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=1 ses=1 pid=5')).toBeUndefined();
    expect(parseSeccompLine('type=SECCOMP msg=audit(1.2:3): pid=5 comm="x"')).toBeUndefined();
    expect(parseSeccompLine('')).toBeUndefined();
  });
});

describe('numbers to names', () => {
  it('maps AUDIT_ARCH values and the x32 bit to ABIs', () => {
    expect(abiOf(0xc000003e, 83)).toBe('x86_64');
    expect(abiOf(0x40000003, 39)).toBe('i386');
    expect(abiOf(0xc000003e, 0x40000000 + 83)).toBe('x32');
    expect(abiOf(0xc00000b7, 83)).toBeUndefined();
  });

  it('names syscalls per ABI, with a placeholder for unknown numbers', () => {
    expect(nameOf('x86_64', 83)).toBe('mkdir');
    expect(nameOf('i386', 39)).toBe('mkdir');
    expect(nameOf('x32', 0x40000000 + 83)).toBe('mkdir');
    expect(nameOf('x86_64', 4000)).toBe('syscall_0xfa0');
  });

  it('names actions without their data, and errnos', () => {
    expect(actionOf(0x7ffc0000)).toBe('SCMP_ACT_LOG');
    expect(actionOf(0x00050001)).toBe('SCMP_ACT_ERRNO');
    expect(actionOf(0x80000000)).toBe('SCMP_ACT_KILL_PROCESS');
    expect(actionOf(0)).toBe('SCMP_ACT_KILL_THREAD');
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(38)).toBe('ENOSYS');
  });

  it("tells the runtime's calls (exe outside the container's root, runtime names) from the workload's", () => {
    expect(originOf({ comm: 'crun', exe: '/' }, 'crun')).toBe('runtime');
    expect(originOf({ comm: 'runc:[2:INIT]', exe: '/' }, 'runc')).toBe('runtime');
    expect(originOf({ comm: 'runc:[2:INIT]', exe: '/memfd:runc_cloned:/proc/self/exe (deleted)' }, 'runc')).toBe(
      'runtime',
    );
    expect(originOf({ comm: 'mkdir', exe: '/bin/busybox' }, 'crun')).toBe('app');
  });
});

describe('host facts', () => {
  it('parses /dev/kmsg records and signs of loss', () => {
    expect(parseKmsgRecord(`5,1135,2219536946,-;${KMSG}\n SUBSYSTEM=x\n`)).toEqual({ seq: 1135, message: KMSG });
    expect(parseKmsgRecord('garbage')).toBeUndefined();
    expect(lossSign('kauditd_printk_skb: 14 callbacks suppressed')).toBe(true);
    expect(lossSign('audit: audit_lost=3 audit_rate_limit=0 audit_backlog_limit=64')).toBe(true);
    expect(lossSign('audit: backlog limit exceeded')).toBe(true);
    expect(lossSign(KMSG)).toBe(false);
  });

  it('parses auditctl -s and auditd.conf', () => {
    expect(
      parseAuditStatus('enabled 1\nfailure 1\npid 9124\nrate_limit 0\nbacklog_limit 8192\nlost 7\nbacklog 0\n'),
    ).toEqual({ enabled: 1, pid: 9124, lost: 7, backlogLimit: 8192 });
    expect(parseAuditStatus('nothing')).toBeUndefined();
    expect(parseAuditdConf('log_file = /x/audit.log\nwrite_logs = no\n')).toEqual({
      logFile: '/x/audit.log',
      writeLogs: false,
    });
    expect(parseAuditdConf('')).toEqual({ logFile: '/var/log/audit/audit.log', writeLogs: true });
  });
});

describe("reading auditd's log from a position", () => {
  it('hands over complete lines written after the cursor opened, across a rotation, and says what it could not confirm', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-auditlog-'));
    try {
      const log = path.join(dir, 'audit.log');
      fs.writeFileSync(log, 'old 1\nold 2\n');
      const cursor = auditLogSource({ logFile: log, writeLogs: true }, 100).open();
      fs.appendFileSync(log, 'new 1\nnew 2\n');
      fs.renameSync(log, `${log}.1`);
      fs.appendFileSync(`${log}.1`, 'new 3\n');
      fs.writeFileSync(log, 'new 4\npartial');
      const lines: string[] = [];
      const { warnings } = await cursor.collect((l) => lines.push(l));
      cursor.close();
      expect(lines).toEqual(['new 1', 'new 2', 'new 3', 'new 4']);
      expect(warnings.join('\n')).toContain('was rotated during the run');
      // the marker goes to the real audit log (or auditctl is missing), never to this file
      expect(warnings.join('\n')).toMatch(/marker record/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
