// Finding the processes a tracer is tracing (TracerPid in /proc), so signals can reach the workload and nothing is left behind.
import fs from 'node:fs';

/** Pids of the processes whose tracer is `tracerPid` (read from /proc/PID/status), sorted; `childrenOnly` keeps those it started itself. */
export function traceesOf(tracerPid: number, childrenOnly = false): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const m = /^TracerPid:\s*(\d+)$/m.exec(status);
    if (!m || Number(m[1]) !== tracerPid) continue;
    if (childrenOnly && Number(/^PPid:\s*(\d+)$/m.exec(status)?.[1]) !== tracerPid) continue;
    out.push(Number(name));
  }
  return out.sort((a, b) => a - b);
}

/** Send `signal` to each pid, ignoring processes that are already gone. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}
