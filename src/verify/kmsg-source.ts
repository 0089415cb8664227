// Reading the kernel log (/dev/kmsg) from the position before the run. Without auditd the kernel prints audit records
// there, through printk's rate limit shared by the whole system: records can be dropped, and the log says so.
import fs from 'node:fs';
import { auditStatus } from './auditctl.js';
import { sleep, type Collected, type LogCursor, type LogSource } from './log-cursor.js';

/** The kernel log device. */
export const KMSG = '/dev/kmsg';

/** One /dev/kmsg record ("PRI,SEQ,USEC,FLAGS;MESSAGE\n KEY=VALUE..."): its sequence number and message line. */
export function parseKmsgRecord(text: string): { seq: number; message: string } | undefined {
  const m = /^\d+,(\d+),\d+,[^;]*;([^\n]*)/.exec(text);
  return m ? { seq: Number(m[1]), message: m[2]! } : undefined;
}

/** Kernel messages that say audit records were dropped: printk suppression, audit's lost counter, limits. */
export function lossSign(message: string): boolean {
  return (
    /kauditd_printk_skb: \d+ callbacks suppressed/.test(message) ||
    /audit: (?:audit_lost=|printk limit exceeded|backlog limit exceeded|rate limit exceeded)/.test(message)
  );
}

type ReadResult = { kind: 'record'; text: string } | { kind: 'end' } | { kind: 'overwritten' };

function readRecord(fd: number, buf: Buffer): ReadResult {
  try {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    return n === 0 ? { kind: 'end' } : { kind: 'record', text: buf.subarray(0, n).toString('utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') return { kind: 'end' };
    if (code === 'EPIPE') return { kind: 'overwritten' };
    throw err;
  }
}

function openCursor(device: string, settle: { minMs: number; quietMs: number; maxMs: number }): LogCursor {
  const fd = fs.openSync(device, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(16_384);
  // Skip what is already there: the cursor starts after the last record before the run.
  for (let r = readRecord(fd, buf); r.kind !== 'end'; r = readRecord(fd, buf)) {
    /* skip */
  }
  const lostBefore = auditStatus()?.lost;
  // Only audit messages are kept; the ring buffer is small, so it is drained while the workload runs too.
  const lines: string[] = [];
  let overwritten = 0;
  let losses = 0;
  let lastAudit = Date.now();
  const drain = (): void => {
    for (let r = readRecord(fd, buf); r.kind !== 'end'; r = readRecord(fd, buf)) {
      if (r.kind === 'overwritten') {
        overwritten++;
        continue;
      }
      const rec = parseKmsgRecord(r.text);
      if (!rec) continue;
      if (lossSign(rec.message)) losses++;
      if (rec.message.startsWith('audit:')) {
        lastAudit = Date.now();
        lines.push(rec.message);
      }
    }
  };
  const timer = setInterval(drain, 200);
  timer.unref();
  const collect = async (onLine: (line: string) => void): Promise<Collected> => {
    // kauditd prints asynchronously: wait until no audit message has come for a while.
    const start = Date.now();
    for (;;) {
      drain();
      const now = Date.now();
      if ((now - start >= settle.minMs && now - lastAudit >= settle.quietMs) || now - start >= settle.maxMs) break;
      await sleep(25);
    }
    lines.splice(0).forEach((line) => onLine(line));
    const warnings: string[] = [];
    if (overwritten > 0)
      warnings.push(
        `the kernel log overwrote records before they were read (${overwritten} times): results are incomplete`,
      );
    if (losses > 0)
      warnings.push(
        'the kernel log shows that audit messages were suppressed or lost during the run (printk rate limit): denials may be missing and counts low; start auditd for complete results',
      );
    const lostAfter = auditStatus()?.lost;
    if (lostBefore !== undefined && lostAfter !== undefined && lostAfter > lostBefore) {
      warnings.push(
        `the kernel lost ${lostAfter - lostBefore} audit records during the run (auditctl -s: lost): denials may be missing; start auditd for complete results`,
      );
    }
    return { warnings };
  };
  const close = (): void => {
    clearInterval(timer);
    try {
      fs.closeSync(fd);
    } catch {
      /* closed */
    }
  };
  return { kind: 'kmsg', path: device, collect, close };
}

/** The kernel log as a source of seccomp records (when no audit daemon is registered). */
export function kmsgSource(device = KMSG, settle = { minMs: 300, quietMs: 250, maxMs: 3_000 }): LogSource {
  return {
    kind: 'kmsg',
    path: device,
    notes: [
      `auditd is not running: seccomp records are read from the kernel log (${device}), which passes at most 10 messages per 5 s for the ` +
        'whole system; a denial can be missing and counts can be low. For complete results: apt-get install auditd, then start it (auditd)',
    ],
    open: () => openCursor(device, settle),
  };
}
