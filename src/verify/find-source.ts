// Choosing where this run's seccomp records can be read: auditd's log when an audit daemon is registered with the
// kernel (complete), else the kernel log (rate-limited), else nothing (exit 3 saying what to install).
import fs from 'node:fs';
import { toolMissing } from '../errors.js';
import { auditdAlive, auditStatus, type AuditStatus } from './auditctl.js';
import { auditLogSource, parseAuditdConf } from './audit-log-source.js';
import { KMSG, kmsgSource } from './kmsg-source.js';
import type { LogSource } from './log-cursor.js';

/** The host facts the choice depends on; a parameter so that tests can describe any host. */
export interface SourceProbe {
  status: () => AuditStatus | undefined;
  alive: (status: AuditStatus | undefined) => boolean;
  readable: (file: string) => boolean;
  readText: (file: string) => string | undefined;
  /** /proc/sys/kernel/seccomp/actions_logged */
  actionsLogged: () => string | undefined;
}

/** The real host. */
export const hostProbe: SourceProbe = {
  status: auditStatus,
  alive: auditdAlive,
  readable: (file) => {
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
      return true;
    } catch {
      return false;
    }
  },
  readText: (file) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  actionsLogged: () => {
    try {
      return fs.readFileSync('/proc/sys/kernel/seccomp/actions_logged', 'utf8');
    } catch {
      return undefined;
    }
  },
};

const INSTALL = 'apt-get install auditd, then start it as root (`auditd`; with systemd: systemctl start auditd)';

/** Where to read this run's records; toolMissing (exit 3) when nowhere. `needLog`: log mode needs the kernel to log SCMP_ACT_LOG. */
export function findLogSource(needLog: boolean, probe: SourceProbe = hostProbe): LogSource {
  const logged = probe.actionsLogged();
  if (needLog && logged !== undefined && !logged.split(/\s+/).includes('log')) {
    throw toolMissing(
      `the kernel does not log SCMP_ACT_LOG (kernel.seccomp.actions_logged is "${logged.trim()}"): add "log" (sysctl -w kernel.seccomp.actions_logged="${logged.trim()} log")`,
    );
  }
  const status = probe.status();
  if (probe.alive(status)) {
    const config = parseAuditdConf(probe.readText('/etc/audit/auditd.conf') ?? '');
    if (!config.writeLogs)
      throw toolMissing(
        'auditd is running with write_logs = no, so seccomp records are not written where tracewall can read them: set write_logs = yes in /etc/audit/auditd.conf and restart auditd',
      );
    if (!probe.readable(config.logFile))
      throw toolMissing(`auditd is running but ${config.logFile} cannot be read: run tracewall verify as root`);
    return auditLogSource(config);
  }
  if (probe.readable(KMSG)) return kmsgSource();
  throw toolMissing(
    `neither auditd nor the kernel log (${KMSG}) can be read, so the kernel's seccomp records cannot be collected: ${INSTALL}, or run as root`,
  );
}
