// Fallback attribution when no audit session can be made: the host pids seen in the container's pid namespace while it
// runs. Polling can miss a process that lives only a few milliseconds, so the report says so.
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { sleep } from './log-cursor.js';

/** A running watch; stop() ends it and returns every host pid seen in the container's pid namespace. */
export interface PidWatch {
  stop: () => Promise<Set<number>>;
}

function stateOf(runtime: string, id: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile(runtime, ['state', id], { timeout: 5_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve((JSON.parse(stdout) as { pid?: number }).pid || undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

function scan(ns: string, into: Set<number>): void {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/ns/pid`) === ns) into.add(Number(name));
    } catch {
      // gone meanwhile
    }
  }
}

/** Watch container `id` of `runtime` every `intervalMs` until stopped. */
export function watchPidNamespace(runtime: string, id: string, intervalMs = 10): PidWatch {
  return watchInitNamespace(() => stateOf(runtime, id), intervalMs);
}

/** Watch the pid namespace of a container whose init is `pid` (already running) every `intervalMs` until stopped. */
export function watchPidNamespaceOf(pid: number, intervalMs = 10): PidWatch {
  return watchInitNamespace(() => Promise.resolve(pid), intervalMs);
}

function watchInitNamespace(initPid: () => Promise<number | undefined>, intervalMs: number): PidWatch {
  const pids = new Set<number>();
  let running = true;
  const loop = (async () => {
    let ns: string | undefined;
    while (running && ns === undefined) {
      const pid = await initPid();
      if (pid !== undefined) {
        try {
          ns = fs.readlinkSync(`/proc/${pid}/ns/pid`);
          pids.add(pid);
        } catch {
          /* not yet */
        }
      }
      if (ns === undefined) await sleep(intervalMs);
    }
    while (running && ns !== undefined) {
      scan(ns, pids);
      await sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return pids;
    },
  };
}
