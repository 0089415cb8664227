// Reading auditd's log from a position taken before the run, following a rotation, until a marker record shows that
// auditd has written everything the kernel queued before it. Read in chunks, line by line: a long run may log a lot.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { auditStatus, sendMarker } from './auditctl.js';
import { sleep, type Collected, type LogCursor, type LogSource } from './log-cursor.js';

/** auditd's configuration, the fields verify needs. */
export interface AuditdConfig {
  logFile: string;
  writeLogs: boolean;
}

/** Parse auditd.conf ("key = value" lines). */
export function parseAuditdConf(text: string): AuditdConfig {
  const get = (key: string): string | undefined => new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`, 'm').exec(text)?.[1];
  return {
    logFile: get('log_file') || '/var/log/audit/audit.log',
    writeLogs: (get('write_logs') ?? 'yes').toLowerCase() !== 'no',
  };
}

interface OpenFile {
  fd: number;
  ino: number;
  offset: number;
  /** The start of a line whose end has not been written yet. */
  partial: string;
}

const CHUNK = 1 << 20;

/** Hand over every complete line written to `file` since the last call; true when one of them holds `marker`. */
function readLines(file: OpenFile, buf: Buffer, marker: string, onLine: (line: string) => void): boolean {
  let seen = false;
  for (;;) {
    const n = fs.readSync(file.fd, buf, 0, buf.length, file.offset);
    if (n === 0) return seen;
    file.offset += n;
    const lines = (file.partial + buf.subarray(0, n).toString('utf8')).split('\n');
    file.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes(marker)) seen = true;
      else onLine(line);
    }
  }
}

function openCursor(logFile: string, markerWaitMs: number): LogCursor {
  const fd = fs.openSync(logFile, 'r');
  const st = fs.fstatSync(fd);
  const files: OpenFile[] = [{ fd, ino: st.ino, offset: st.size, partial: '' }];
  const lostBefore = auditStatus()?.lost;
  const collect = async (onLine: (line: string) => void): Promise<Collected> => {
    const warnings: string[] = [];
    const buf = Buffer.alloc(CHUNK);
    const marker = `tracewall-verify-${process.pid}-${randomBytes(6).toString('hex')}`;
    const sent = sendMarker(marker);
    const deadline = Date.now() + (sent ? markerWaitMs : 500);
    let seen = false;
    while (!seen) {
      for (const f of files) seen = readLines(f, buf, marker, onLine) || seen;
      let ino: number | undefined;
      try {
        ino = fs.statSync(logFile).ino;
      } catch {
        /* between rename and create */
      }
      if (ino !== undefined && !files.some((f) => f.ino === ino)) {
        const nfd = fs.openSync(logFile, 'r');
        files.push({ fd: nfd, ino: fs.fstatSync(nfd).ino, offset: 0, partial: '' });
        continue;
      }
      if (seen) break;
      if (Date.now() > deadline) {
        warnings.push(
          sent
            ? `auditd did not write the marker record within ${markerWaitMs} ms: records of the end of the run may be missing`
            : 'could not send a marker record (auditctl -m failed): waited 0.5 s for auditd to write the last records',
        );
        break;
      }
      await sleep(25);
    }
    if (files.length > 1) warnings.push(`${logFile} was rotated during the run; both files were read`);
    const lostAfter = auditStatus()?.lost;
    if (lostBefore !== undefined && lostAfter !== undefined && lostAfter > lostBefore) {
      warnings.push(
        `the kernel lost ${lostAfter - lostBefore} audit records during the run (auditctl -s: lost); results may be incomplete: raise the backlog (auditctl -b 8192)`,
      );
    }
    return { warnings };
  };
  const close = (): void => {
    for (const f of files) {
      try {
        fs.closeSync(f.fd);
      } catch {
        /* closed */
      }
    }
  };
  return { kind: 'auditd', path: logFile, collect, close };
}

/** auditd's log as a source of seccomp records. */
export function auditLogSource(config: AuditdConfig, markerWaitMs = 5_000): LogSource {
  return {
    kind: 'auditd',
    path: config.logFile,
    notes: [`auditd is running: seccomp records are read from ${config.logFile}`],
    open: () => openCursor(config.logFile, markerWaitMs),
  };
}
