// The bits of `auditctl` verify uses: is an audit daemon registered with the kernel, how many records were lost, and a
// marker record that shows when everything logged before it has been written.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

/** `auditctl -s`, the fields verify reads. */
export interface AuditStatus {
  enabled: number;
  /** Pid of the registered audit daemon, 0 for none. */
  pid: number;
  lost: number;
  backlogLimit: number;
}

/** Parse `auditctl -s` output. */
export function parseAuditStatus(text: string): AuditStatus | undefined {
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const pid = field('pid');
  if (pid === undefined) return undefined;
  return { enabled: field('enabled') ?? 0, pid, lost: field('lost') ?? 0, backlogLimit: field('backlog_limit') ?? 0 };
}

/** The kernel's audit status, or undefined when auditctl is missing or not permitted. */
export function auditStatus(): AuditStatus | undefined {
  const r = spawnSync('auditctl', ['-s'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return r.status === 0 ? parseAuditStatus(r.stdout) : undefined;
}

/** Whether the registered daemon (status.pid) is alive; the kernel notices a dead one only on its next send. */
export function auditdAlive(status: AuditStatus | undefined): boolean {
  return status !== undefined && status.pid > 0 && fs.existsSync(`/proc/${status.pid}`);
}

/** Send a user message (type=USER) through the kernel's audit queue; it is written after every record queued before it. */
export function sendMarker(text: string): boolean {
  return spawnSync('auditctl', ['-m', text], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}
