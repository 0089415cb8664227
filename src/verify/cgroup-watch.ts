// Attribution for a container started outside tracewall's audit session (dockerd's, or podman's when no session can be
// made): the host pids whose cgroup names the container's id, polled while it runs (its cgroup.procs every 2 ms once found, all of /proc every 10 ms). A process that lives only a few
// milliseconds between two polls is missed, so the report says so.
import fs from 'node:fs';
import { sleep } from './log-cursor.js';
import type { PidWatch } from './pidns-watch.js';

function scan(id: string, into: Set<number>, files: Set<string>): void {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = fs.readFileSync(`/proc/${name}/cgroup`, 'utf8');
      if (!text.includes(id)) continue;
      into.add(Number(name));
      if (files.size === 0) for (const f of procsFiles(text, id)) files.add(f);
    } catch {
      // gone meanwhile
    }
  }
}

/** The container's cgroup.procs files, from a member's /proc/PID/cgroup ("N:pids:/docker/ID", "0::/..."): cheap to poll. */
function procsFiles(cgroupText: string, id: string): string[] {
  const out: string[] = [];
  for (const line of cgroupText.split('\n')) {
    const m = /^\d+:([^:]*):(\/.*)$/.exec(line);
    if (!m || !m[2]!.includes(id)) continue;
    const controllers = m[1]!;
    const roots =
      controllers === ''
        ? ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']
        : controllers.split(',').includes('pids')
          ? ['/sys/fs/cgroup/pids']
          : [];
    for (const root of roots) {
      const file = `${root}${m[2]}/cgroup.procs`;
      if (fs.existsSync(file)) {
        out.push(file);
        break;
      }
    }
  }
  return out;
}

function readProcs(files: Set<string>, into: Set<number>): void {
  for (const f of files) {
    try {
      for (const l of fs.readFileSync(f, 'utf8').split('\n')) if (l) into.add(Number(l));
    } catch {
      // removed with the container
    }
  }
}

/**
 * Watch the processes in the cgroup of the container `containerId()` names once known: all of /proc every
 * `scanMs`, and once a member was found, the cgroup's own cgroup.procs every `intervalMs`, until stopped.
 */
export function watchContainerCgroup(containerId: () => string | undefined, intervalMs = 2, scanMs = 10): PidWatch {
  const pids = new Set<number>();
  const files = new Set<string>();
  let running = true;
  const loop = (async () => {
    let last = 0;
    while (running) {
      const id = containerId();
      // a full 64-hex id: a shorter string could match another container's cgroup
      if (id !== undefined && /^[0-9a-f]{64}$/.test(id)) {
        readProcs(files, pids);
        if (Date.now() - last >= scanMs) {
          scan(id, pids, files);
          last = Date.now();
        }
      }
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
