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

/** A process's start time (field 22 of /proc/PID/stat, in clock ticks since boot), or undefined when it is gone. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold ") ": fields start after the last ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * The processes a tracer has traced, remembered by pid and start time (so a reused pid is never mistaken for one), to
 * find and kill what it leaves behind when it dies: strace 6.1 has no --kill-on-exit, and its tracees keep running
 * untraced once it is gone.
 */
export class TraceeSet {
  private readonly seen = new Map<number, string>();

  /** Remember the current tracees of `tracerPid`. */
  note(tracerPid: number): void {
    for (const pid of traceesOf(tracerPid)) {
      if (this.seen.has(pid)) continue;
      const start = startTimeOf(pid);
      if (start !== undefined) this.seen.set(pid, start);
    }
  }

  /** The remembered tracees still alive, and the children they made since (those may not have been noted yet). */
  private alive(): number[] {
    const live = new Set<number>();
    for (const [pid, start] of this.seen) if (startTimeOf(pid) === start) live.add(pid);
    if (live.size === 0) return [];
    const parents = new Map<number, number>();
    try {
      for (const name of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        const ppid = parentOf(Number(name));
        if (ppid !== undefined) parents.set(Number(name), ppid);
      }
    } catch {
      // no /proc: only the remembered pids
    }
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, ppid] of parents) {
        if (!live.has(pid) && live.has(ppid)) {
          live.add(pid);
          grew = true;
        }
      }
    }
    return [...live].sort((a, b) => a - b);
  }

  /** Stop, then kill, every remembered tracee still running and the children it made; returns how many were killed. */
  killLeftovers(): number {
    const killed = new Set<number>();
    // SIGSTOP first so that nothing forks between listing and killing; a few rounds catch what forked before it stopped.
    for (let round = 0; round < 10; round++) {
      const left = this.alive().filter((p) => !isGone(p));
      if (left.length === 0) break;
      signalAll(left, 'SIGSTOP');
      const all = this.alive().filter((p) => !isGone(p));
      signalAll(all, 'SIGKILL');
      for (const p of all) {
        killed.add(p);
        const start = startTimeOf(p);
        if (start !== undefined && !this.seen.has(p)) this.seen.set(p, start);
      }
    }
    return killed.size;
  }
}

/** True when `pid` no longer runs (gone, or a zombie waiting to be reaped). */
export function isGone(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}
