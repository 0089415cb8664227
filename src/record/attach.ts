// Recording something already running (`record --pid`, `record --container`): attach the tracer to the process tree
// from the moment its probes are in place until the duration, a stop request or the tree's end; nothing is stopped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput, ExitCode, TracewallError } from '../errors.js';
import type { Target } from '../recording/types.js';
import { resolveExecs } from '../analyze/exec-resolve.js';
import { processExecLookup } from '../trace/exec-lookup.js';
import { checkAttachHost, checkAttachTarget, processFacts, type AttachResult } from '../trace/bpftrace-attach.js';
import { findContainer, ownPidNamespace } from '../engines/attach-target.js';
import { CriClient, chooseEndpoint, socketPath } from '../cri/client.js';
import { criRuntimeName, describeCriContainer, findCriContainerById, type CriContainer } from '../cri/containers.js';
import { nameFrom } from '../util/names.js';
import type { EngineName } from '../engines/run-args.js';
import type { Interruption } from '../trace/interrupt.js';
import type { Tracer } from './tracer.js';
import type { RecordOutcome } from './record.js';

/**
 * What to attach to. A container is asked of `engine`, or of docker, podman and then the CRI runtime at `endpoint` (or
 * at the default CRI sockets) when no engine is named.
 */
export type AttachTarget =
  { kind: 'process'; pid: number } | { kind: 'container'; ref: string; engine?: EngineName | 'cri'; endpoint?: string };

/** A running tree found: its root pid, what the Recording says about it, its facts. */
export interface Found {
  pid: number;
  target: Target;
  facts: ReturnType<typeof processFacts>;
  pidNamespace?: number;
  /** A default recording name (the executable's or the image's). */
  defaultName: string;
  /** How to name it in messages. */
  what: string;
  warnings: string[];
}

/** Find the tree to attach to and check it can be attached to (root, host pid namespace, a real process). */
export async function findAttachTarget(t: AttachTarget): Promise<Found> {
  checkAttachHost();
  if (t.kind === 'process') {
    checkAttachTarget(t.pid, `process ${t.pid}`);
    const f = processFacts(t.pid);
    const target: Target = { kind: 'process', pid: t.pid, argv: f.argv, exe: f.exe, cwd: f.cwd };
    const defaultName = path.basename(f.exe || f.argv[0] || 'app');
    return { pid: t.pid, target, facts: f, defaultName, what: `process ${t.pid} (${f.exe})`, warnings: [] };
  }
  if (t.engine === 'cri') return criContainerFound(t.ref, t.endpoint);
  let c: Awaited<ReturnType<typeof findContainer>>;
  try {
    c = await findContainer(t.ref, t.engine);
  } catch (err) {
    const endpoint = chooseEndpoint(t.endpoint);
    const unknown = err instanceof TracewallError && err.exitCode === ExitCode.badInput && t.engine === undefined;
    if (!unknown || !fs.existsSync(socketPath(endpoint))) throw err;
    try {
      return await criContainerFound(t.ref, endpoint);
    } catch (criErr) {
      throw badInput(`${(err as Error).message}; CRI: ${(criErr as Error).message}`, criErr);
    }
  }
  checkAttachTarget(c.pid, `container ${t.ref} (its init, pid ${c.pid})`);
  return {
    pid: c.pid,
    target: c.target,
    facts: processFacts(c.pid),
    ...(c.pidNamespace !== undefined ? { pidNamespace: c.pidNamespace } : {}),
    defaultName: c.target.image.replace(/[@:][^/]*$/, ''),
    what: `${c.target.kind} container ${t.ref} (init pid ${c.pid})`,
    warnings: c.warnings,
  };
}

/** CRI container `ref` (an id or a unique prefix) at `endpoint`, found and checked. */
async function criContainerFound(ref: string, endpoint: string | undefined): Promise<Found> {
  const cri = CriClient.connect(chooseEndpoint(endpoint));
  try {
    const { container, sandbox } = await findCriContainerById(cri, ref);
    return criFound(await describeCriContainer(cri, sandbox, container, await criRuntimeName(cri)));
  } finally {
    cri.close();
  }
}

/** A running container of a pod, found through the CRI, checked for attaching. */
export function criFound(c: CriContainer): Found {
  checkAttachHost();
  const t = c.target;
  const what = `container ${t.container} of pod ${t.pod.namespace}/${t.pod.name}`;
  checkAttachTarget(c.pid, `${what} (its init, pid ${c.pid})`);
  const ns = ownPidNamespace(c.pid, what, `the ${what}`, 'kubectl exec');
  return {
    pid: c.pid,
    target: t,
    facts: processFacts(c.pid),
    ...(ns.pidNamespace !== undefined ? { pidNamespace: ns.pidNamespace } : {}),
    defaultName: nameFrom(`${t.pod.namespace}-${t.pod.name}-${t.container}`),
    what: `${what} (${t.criRuntime}, init pid ${c.pid})`,
    warnings: ns.warnings,
  };
}

/** How to record an attached tree. */
export interface AttachRecordOptions {
  name: string;
  toolVersion: string;
  durationMs?: number;
  interrupt?: Interruption;
  keepLog?: string;
  /** Called once the probes are attached and recording has started. */
  onStart?: () => void;
}

/** An attached recording: as for a launch, plus why it ended and for how long it recorded. */
export type AttachOutcome = RecordOutcome & { ended: AttachResult['ended']; seconds: number };

/** Attach `tracer` to the tree `found` describes and record until it ends. */
export async function recordAttached(found: Found, tracer: Tracer, opts: AttachRecordOptions): Promise<AttachOutcome> {
  if (!tracer.attach)
    throw badInput(
      `attaching needs a tracer that can follow the children a process already has (bpftrace), not ${tracer.name}`,
    );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-'));
  const logFile = path.join(work, `${tracer.name}.log`);
  try {
    const r = await tracer.attach(found.pid, {
      logFile,
      ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
      ...(found.pidNamespace !== undefined ? { pidNamespace: found.pidNamespace } : {}),
      ...(opts.interrupt ? { interrupt: opts.interrupt } : {}),
      ...(opts.onStart ? { onStart: opts.onStart } : {}),
    });
    const base = { ended: r.ended, seconds: r.seconds };
    if (r.ended.kind === 'late')
      return { ...base, recording: null, status: 1, notRecorded: 'ended before the probes were attached' };
    if (r.ended.kind === 'cancelled')
      return {
        ...base,
        recording: null,
        status: 128 + os.constants.signals[r.ended.signal],
        notRecorded: `${r.ended.signal} before the probes were attached`,
      };
    if (opts.keepLog) fs.copyFileSync(logFile, opts.keepLog);
    const f = found.facts;
    const traced = await tracer.recording(logFile, {
      name: opts.name,
      toolVersion: opts.toolVersion,
      kernel: os.release(),
      tracerVersion: r.tracerVersion,
      target: found.target,
      initialCwd: f.cwd,
      initialUid: f.uid,
      initialGid: f.gid,
      ...(f.exe ? { initialExe: f.exe } : {}),
    });
    const rec = resolveExecs(traced, processExecLookup(found.pid));
    rec.warnings.push(...found.warnings, ...r.warnings);
    const failed = r.ended.kind === 'tracer' ? `${tracer.name} ended while recording` : undefined;
    return { ...base, recording: rec, status: 0, ...(failed ? { tracerFailed: failed } : {}) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
