// Recording an engine's container (`record --docker|--podman`): trace it through the wrapper runtime, and turn the log
// into a Recording of the container's processes only (from the entrypoint's exec on, as the engine's config.json names
// it). A container that never started gives no recording.
import os from 'node:os';
import { recordingFromStrace } from '../analyze/from-strace.js';
import { resolveExecs } from '../analyze/exec-resolve.js';
import { bundleExecLookup } from '../trace/exec-lookup.js';
import type { Interruption } from '../trace/interrupt.js';
import type { BundleInfo } from '../trace/bundle.js';
import { imageView } from '../engines/image-view.js';
import type { OciProcess } from '../engines/oci-process.js';
import type { Recording } from '../recording/types.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import type { EngineName } from '../engines/run-args.js';
import { traceEngine } from '../engines/trace-engine.js';
import { interruptedWarning, neverStartedWarning, passThroughStatus } from './outcome.js';
import type { RecordOutcome } from './record.js';

/** Run `ENGINE run USER-ARGS` traced and build its recording named `name`; `log` is strace's log (for --keep-log). */
export async function recordEngineRun(
  engine: EngineName,
  userArgs: readonly string[],
  opts: { name: string; toolVersion: string; runtime?: RuntimeName; interrupt?: Interruption },
): Promise<RecordOutcome & { log?: string }> {
  const t = await traceEngine(engine, userArgs, {
    ...(opts.runtime === undefined ? {} : { runtime: opts.runtime }),
    ...(opts.interrupt ? { interrupt: opts.interrupt } : {}),
  });
  const status = passThroughStatus(t.exitCode, t.signal);
  if (!t.started) return { recording: null, notRecorded: t.reason, status: status || 1 };
  const traced = recordingFromStrace(t.log, {
    name: opts.name,
    toolVersion: opts.toolVersion,
    tracerVersion: t.tracerVersion,
    kernel: os.release(),
    target: t.target,
    initialCwd: t.process.cwd,
    initialUid: t.process.uid,
    initialGid: t.process.gid,
    startAt: { argv: t.process.argv },
  });
  if (Object.keys(traced.syscalls).length === 0) {
    return {
      recording: null,
      notRecorded: neverStartedWarning(t.process.argv, `${engine}'s`),
      status: status || 1,
      log: t.log,
    };
  }
  const rec = await resolveInImage(traced, engine, t.target.imageId ?? t.target.image, t.process);
  rec.warnings.push(...t.warnings);
  if (t.interrupted)
    rec.warnings.push(interruptedWarning(t.interrupted, `the container was stopped early (${engine} stop)`));
  return { recording: rec, status, log: t.log };
}

/** Resolve executed paths (symlink targets, interpreters) in the image plus the container's bind mounts. */
async function resolveInImage(rec: Recording, engine: EngineName, image: string, proc: OciProcess): Promise<Recording> {
  if (!Object.values(rec.files).some((f) => f.access.includes('exec'))) return rec;
  const view = await imageView(engine, image);
  if (typeof view === 'string') {
    return {
      ...rec,
      warnings: [
        ...rec.warnings,
        `executed paths were not resolved in the image (${view}); AppArmor exec rules may lack symlink targets and interpreters`,
      ],
    };
  }
  try {
    const bundle: BundleInfo = {
      dir: '/',
      configPath: '',
      config: { mounts: proc.mounts },
      rootfs: view.rootfs,
      argv: proc.argv,
      cwd: proc.cwd,
      uid: proc.uid,
      gid: proc.gid,
      hasPidNamespace: true,
      noNewPrivileges: proc.noNewPrivileges,
      terminal: false,
    };
    return resolveExecs(rec, bundleExecLookup(bundle));
  } finally {
    await view.release();
  }
}
