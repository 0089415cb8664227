// The agent's node mode: one eBPF loader in node mode (src/trace/ebpf-node.ts), started with the agent, records every
// container cgroup of the node from its runtime's exec of the entrypoint; record() finds a selected container's cgroup,
// waits for its end (or its segment's, or the agent's) and takes its Recording, with `record --node`'s metadata.
// Cgroups no record() claims (other pods' containers, sandboxes) are forgotten after a grace period.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';
import { describeCriContainer } from '../cri/containers.js';
import type { Recording } from '../recording/types.js';
import { ALREADY_RUNNING, containerIdOf, criIdentified, nodeMeta } from '../record/node.js';
import {
  cgroupId,
  cgroupOfPid,
  recordingOfLog,
  startNodeRecorder,
  type NodeCgroup,
  type NodeRecorder,
  type NodeRecordingMeta,
} from '../trace/ebpf-node.js';
import type { AgentContainer, ContainerRecorder, RecordRun, RunEnd, RunResult } from './recorder.js';

/** Containers recorded at once: the loader's map of cgroups (its default size). */
export const NODE_CAPACITY = 4096;

/** How to start the agent's node recorder. */
export interface NodeAgentOptions {
  /** Ring buffer bytes (default: the loader's). */
  ringbufBytes?: number;
  /** A cgroup no record() claimed within so long is forgotten (default 120 s). */
  unclaimedMs?: number;
  /** How often the recorder looks for a container's end and for unclaimed cgroups (default 500 ms). */
  pollMs?: number;
}

/** Is any process left in the cgroup at `dir` (a removed cgroup has none)? */
function occupied(dir: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** Wait until the cgroup at `dir` is empty ('gone'), the segment ends, the agent stops or the loader dies. */
function waitEnd(rec: NodeRecorder, dir: string, run: RecordRun, pollMs: number): Promise<RunEnd> {
  return new Promise<RunEnd>((resolve) => {
    const stop = run.interrupt.stop;
    const finish = (end: RunEnd): void => {
      clearInterval(poll);
      clearTimeout(segment);
      stop?.removeEventListener('abort', onStop);
      resolve(end);
    };
    const onStop = (): void => finish('stopped');
    const poll = setInterval(() => {
      if (rec.died() !== null) finish('tracer');
      else if (!occupied(dir)) finish('gone');
    }, pollMs);
    const segment = run.segmentMs !== undefined ? setTimeout(() => finish('segment'), run.segmentMs) : undefined;
    stop?.addEventListener('abort', onStop, { once: true });
    if (stop?.aborted) finish('stopped');
    void rec.done.then(() => finish(rec.died() !== null ? 'tracer' : 'stopped'));
  });
}

/** The agent's recorder of the whole node: start it once; close() ends the loader and removes its work directory. */
export async function startNodeAgentRecorder(o: NodeAgentOptions = {}): Promise<ContainerRecorder> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-agent-node-'));
  const seen = new Map<number, number>();
  const claimed = new Set<number>();
  let rec: NodeRecorder;
  try {
    rec = await startNodeRecorder({
      workDir: work,
      maxCgroups: NODE_CAPACITY,
      ...(o.ringbufBytes !== undefined ? { ringbufBytes: o.ringbufBytes } : {}),
      onCgroup: (c) => void seen.set(c.id, Date.now()),
    });
  } catch (err) {
    fs.rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const unclaimedMs = o.unclaimedMs ?? 120_000;
  const sweep = setInterval(
    () => {
      for (const c of rec.cgroups())
        if (!claimed.has(c.id) && Date.now() - (seen.get(c.id) ?? c.since.getTime()) > unclaimedMs) {
          seen.delete(c.id);
          void rec.forget(c.id);
        }
    },
    Math.min(unclaimedMs, 10_000),
  );
  sweep.unref();
  return {
    description: 'node (ebpf: every container from its entrypoint)',
    capacity: NODE_CAPACITY,
    record: (c, run) => recordOne(rec, work, claimed, c, run, o.pollMs ?? 500),
    async close() {
      clearInterval(sweep);
      try {
        await rec.close();
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

/** The container's cgroup: the one the loader announced (recorded from its start), else its init's, watched now. */
async function cgroupOf(
  rec: NodeRecorder,
  ac: AgentContainer,
  pid: number,
): Promise<{ c: NodeCgroup; fromStart: boolean }> {
  const byPath = rec.cgroups().find((k) => containerIdOf(k.path)?.id === ac.container.id);
  if (byPath) return { c: byPath, fromStart: true };
  let rel: string;
  let id: number;
  try {
    rel = cgroupOfPid(pid);
    id = cgroupId(rec.cgroupMount, rel);
  } catch (err) {
    if (err instanceof TracewallError) throw err;
    const what = `container ${ac.namespace}/${ac.pod}/${ac.name}`;
    throw badInput(
      `${what}: the cgroup of its init (pid ${pid}) cannot be read (it ended?): ${(err as Error).message}`,
    );
  }
  const known = rec.cgroups().find((k) => k.id === id);
  if (known) return { c: { ...known, path: known.path || rel }, fromStart: true };
  await rec.watch(rel);
  return { c: rec.cgroups().find((k) => k.id === id) ?? { id, path: rel, since: new Date() }, fromStart: false };
}

/** Record one container from the node recorder until its end; its Recording taken (then forgotten by the loader). */
async function recordOne(
  rec: NodeRecorder,
  work: string,
  claimed: Set<number>,
  ac: AgentContainer,
  run: RecordRun,
  pollMs: number,
): Promise<RunResult> {
  const described = await describeCriContainer(ac.cri, ac.sandbox, ac.container, ac.criRuntime);
  const who = criIdentified(described);
  const { c, fromStart } = await cgroupOf(rec, ac, described.pid);
  claimed.add(c.id);
  try {
    run.onStart(described.pid);
    const ended = await waitEnd(rec, path.join(rec.cgroupMount, c.path), run, pollMs);
    const meta: NodeRecordingMeta = { ...nodeMeta(c, who, run.toolVersion, described.pid), name: run.name };
    const died = rec.died();
    let r: Recording | null;
    if (died === null) r = await rec.take(c.id, meta);
    else {
      // a loader that died left its logs unfinished: what they hold is still the recording, with a warning
      const log = path.join(work, `${c.id}.log`);
      r = fs.existsSync(log) ? recordingOfLog(log, rec.tracerVersion, meta) : null;
      r?.warnings.push(`the ebpf loader ended on its own while recording (${died}): the recording stops there`);
    }
    if (!r) return { ended, recording: null, notRecorded: 'nothing was recorded in its cgroup' };
    if (!fromStart) r.warnings.push(ALREADY_RUNNING);
    return { ended, recording: r };
  } finally {
    claimed.delete(c.id);
  }
}
