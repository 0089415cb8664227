// `record --docker|--podman`: trace the container, and turn the log into a Recording of the container's processes only
// (from the entrypoint's exec on, as the engine's config.json names it).
import os from 'node:os';
import { recordingFromStrace } from '../analyze/from-strace.js';
import { resolveExecs } from '../analyze/exec-resolve.js';
import { bundleExecLookup } from '../trace/exec-lookup.js';
import type { BundleInfo } from '../trace/bundle.js';
import { imageView } from './image-view.js';
import type { OciProcess } from './oci-process.js';
import type { Recording } from '../recording/types.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import type { EngineName } from './run-args.js';
import { traceEngine } from './trace-engine.js';

/** The recording of a container run, or why there is none; with the CLI's exit status to pass through. */
export interface EngineRecording {
  recording?: Recording;
  /** Why nothing was recorded (the container never started). */
  notRecorded?: string;
  exitCode: number | null;
  signal: string | null;
  /** The raw strace log (for --keep-log). */
  log?: string;
}

/** Run `ENGINE run USER-ARGS` traced and build its recording named `name`. */
export async function recordEngineRun(
  engine: EngineName,
  userArgs: readonly string[],
  opts: { name: string; toolVersion: string; runtime?: RuntimeName },
): Promise<EngineRecording> {
  const t = await traceEngine(engine, userArgs, opts.runtime === undefined ? {} : { runtime: opts.runtime });
  if (!t.started) return { notRecorded: t.reason, exitCode: t.exitCode, signal: t.signal };
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
  const rec = await resolveInImage(traced, engine, t.target.imageId ?? t.target.image, t.process);
  rec.warnings.push(...t.warnings);
  if (t.interrupted)
    rec.warnings.push(
      `recording interrupted by ${t.interrupted}: the container was stopped early (${engine} stop), so the recording may be incomplete`,
    );
  if (Object.keys(rec.syscalls).length === 0) {
    rec.warnings.push(
      `the entrypoint ${JSON.stringify(t.process.argv)} was never executed: the container did not start (see ${engine}'s error above)`,
    );
  }
  return { recording: rec, exitCode: t.exitCode, signal: t.signal, log: t.log };
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
