// What the agent reports about itself: DIR/agent-status.json (written atomically, every status interval and at the end)
// and one line on stderr, both from the same values: containers being recorded and waiting, recordings written, losses,
// and memory (the agent's own RSS and heap, and the RSS of the tracer processes it runs).
import fs from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { byCodeUnit, stableJson } from '../util/json.js';
import { count } from '../util/plural.js';
import type { LostCounts } from '../recording/types.js';
import type { StoreCounts } from './store.js';
import type { WorkloadKind } from './workload.js';

/** A container in the status file. */
export interface StatusContainer {
  namespace: string;
  pod: string;
  container: string;
  containerId: string;
  workload: string;
  workloadKind: WorkloadKind;
  /** When its current recording started (ISO), for those being recorded. */
  since?: string;
  pid?: number;
}

export interface MemoryReport {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** The tracer processes the agent runs (its descendants): how many, and their RSS summed. */
  tracerProcesses: number;
  tracerRssBytes: number;
}

export interface AgentStatus {
  schemaVersion: 1;
  state: 'running' | 'stopping' | 'stopped';
  startedAt: string;
  updatedAt: string;
  toolVersion: string;
  pid: number;
  endpoint: string;
  criAvailable: boolean;
  recorder: string;
  namespaces: string[];
  selector: string;
  limits: { maxContainers: number; segmentSeconds: number | null };
  recording: StatusContainer[];
  waiting: StatusContainer[];
  recordingsWritten: number;
  mergesWritten: number;
  /** Recordings that could not be written, and containers that could not be recorded. */
  failures: number;
  notRecorded: number;
  lost: LostCounts;
  memory: MemoryReport;
}

/** pid → ppid of every process, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const text = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      out.set(Number(p), Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  return out;
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The agent's memory, and its descendants' (the tracers it runs). */
export function memoryReport(): MemoryReport {
  const m = process.memoryUsage();
  const ppid = parents();
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of ppid)
      if (!mine.has(pid) && mine.has(parent)) {
        mine.add(pid);
        grew = true;
      }
  }
  mine.delete(process.pid);
  let tracerRssBytes = 0;
  for (const pid of mine) tracerRssBytes += rssOf(pid);
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    tracerProcesses: mine.size,
    tracerRssBytes,
  };
}

/** Lost counts added. */
export function addLost(a: LostCounts, b: LostCounts | null | undefined): LostCounts {
  if (!b) return { ...a };
  return {
    events: a.events + b.events,
    processes: a.processes + b.processes,
    strings: a.strings + b.strings,
    paths: a.paths + b.paths,
  };
}

const byContainer = (a: StatusContainer, b: StatusContainer): number =>
  byCodeUnit(`${a.namespace}/${a.pod}/${a.container}`, `${b.namespace}/${b.pod}/${b.container}`);

/** The status with its lists sorted. */
export function sortedStatus(s: AgentStatus): AgentStatus {
  return { ...s, recording: [...s.recording].sort(byContainer), waiting: [...s.waiting].sort(byContainer) };
}

/** Write the status file atomically. */
export function writeStatus(file: string, s: AgentStatus): void {
  writeFileAtomic(file, stableJson(sortedStatus(s)));
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The status as one line. */
export function statusLine(s: AgentStatus, counts: Pick<StoreCounts, 'recordingsWritten'>): string {
  const lost = s.lost.events + s.lost.processes + s.lost.strings + s.lost.paths;
  const m = s.memory;
  return [
    `recording ${count(s.recording.length, 'container')}`,
    ...(s.waiting.length ? [`${s.waiting.length} waiting (--max-containers ${s.limits.maxContainers})`] : []),
    `${count(counts.recordingsWritten, 'recording')} written`,
    ...(s.failures || s.notRecorded ? [`${s.failures} failed, ${s.notRecorded} not recorded`] : []),
    lost > 0
      ? `lost: ${s.lost.events} events, ${s.lost.processes} processes, ${s.lost.strings} strings, ${s.lost.paths} paths`
      : 'nothing lost',
    `memory: agent RSS ${mib(m.rssBytes)} (heap ${mib(m.heapUsedBytes)} of ${mib(m.heapTotalBytes)}), ${count(m.tracerProcesses, 'tracer process', 'tracer processes')} RSS ${mib(m.tracerRssBytes)}`,
    ...(s.criAvailable ? [] : ['the CRI runtime does not answer']),
  ].join('; ');
}
