// How the agent records one container: the small interface every way of recording implements (attaching a tracer to
// the container's processes now; the node-wide eBPF mode, which records every cgroup from the agent's start and
// attributes each to its container, plugs in behind the same interface), and the attaching implementation, which is
// `record --pod`'s own code (criFound + recordAttached) for one container.
import type { CriClient } from '../cri/client.js';
import { describeCriContainer } from '../cri/containers.js';
import type { Container, PodSandbox } from '../cri/types.js';
import { criFound, recordAttached } from '../record/attach.js';
import type { Tracer } from '../record/tracer.js';
import type { LostCounts, Recording } from '../recording/types.js';
import type { Interruption } from '../trace/interrupt.js';

/** A running container of a selected pod, as the CRI listed it. */
export interface AgentContainer {
  /** The CRI connection of the moment (a runtime restart replaces it; use it only while starting). */
  cri: CriClient;
  /** "containerd 1.6.20". */
  criRuntime: string;
  sandbox: PodSandbox;
  container: Container;
  namespace: string;
  pod: string;
  /** The container's name in the pod. */
  name: string;
}

/** One recording run of one container. */
export interface RecordRun {
  /** The recording's name (changed before writing when the agent names the file; it may be). */
  name: string;
  toolVersion: string;
  /** The agent's stop (SIGTERM/SIGINT) and kill (a second one) requests. */
  interrupt: Interruption;
  /** End this recording after so long even if the container runs on (the agent starts a new one). */
  segmentMs?: number;
  /** Called once recording has started (probes in place), with the container's init's host pid when known. */
  onStart: (pid?: number) => void;
}

/**
 * Why a recording run ended: the container ended ('gone'), the segment's time was up and the container runs on
 * ('segment'), the agent stops ('stopped'), the tracer ended on its own ('tracer'), or the container ended before
 * recording could start ('late': nothing recorded).
 */
export type RunEnd = 'gone' | 'segment' | 'stopped' | 'tracer' | 'late';

export interface RunResult {
  ended: RunEnd;
  recording: Recording | null;
  /** Why there is no recording, when there is none. */
  notRecorded?: string;
}

/** A way to record containers. */
export interface ContainerRecorder {
  /** What it is, for messages and the status file ("attach (bpftrace)"). */
  readonly description: string;
  /** How many containers it can record at once (the agent records at most this many and queues the rest). */
  readonly capacity: number;
  /**
   * Record `c` from now until it ends, `run.segmentMs` passes or `run.interrupt` stops it. Rejects (a TracewallError
   * naming the container) when recording cannot start; never leaves anything attached once settled.
   */
  record(c: AgentContainer, run: RecordRun): Promise<RunResult>;
  /** Losses counted so far by recordings still running (a node-wide tracer's), when it can tell. */
  liveLost?(): LostCounts | null;
  /** Release what it holds, once every record() has settled. */
  close(): Promise<void>;
}

function runEnd(kind: Awaited<ReturnType<typeof recordAttached>>['ended']['kind']): RunEnd {
  switch (kind) {
    case 'duration':
      return 'segment';
    case 'signal':
    case 'cancelled':
      return 'stopped';
    case 'gone':
      return 'gone';
    case 'tracer':
      return 'tracer';
    case 'late':
      return 'late';
  }
}

/**
 * Attaching `tracer` to each container's processes (its init's tree, and later entrants of its pid namespace from
 * their exec), as `record --pod` does: one tracer process per container, so at most `capacity` at once.
 */
export function attachRecorder(tracer: Tracer, capacity: number): ContainerRecorder {
  return {
    description: `attach (${tracer.name})`,
    capacity,
    async record(c, run) {
      const found = criFound(await describeCriContainer(c.cri, c.sandbox, c.container, c.criRuntime));
      const r = await recordAttached(found, tracer, {
        name: run.name,
        toolVersion: run.toolVersion,
        interrupt: run.interrupt,
        onStart: () => run.onStart(found.pid),
        ...(run.segmentMs !== undefined ? { durationMs: run.segmentMs } : {}),
      });
      const ended = runEnd(r.ended.kind);
      if (r.recording) return { ended, recording: r.recording };
      return { ended, recording: null, notRecorded: r.notRecorded ?? 'nothing was recorded' };
    },
    close: () => Promise.resolve(),
  };
}
