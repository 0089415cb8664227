// The profile files of a set of recordings, shared by `generate` (writes them) and `check` (compares them): pure.
import { oneOf, checkName } from './options.js';
import { buildPolicy } from '../analyze/policy.js';
import { renderAll, type RenderSummary } from '../render/index.js';
import { loadTemplate } from '../util/package-files.js';
import { expandRecording } from '../recording/provenance.js';
import type { Recording } from '../recording/types.js';

/** The profile flags generate and check share, as commander hands them over. */
export interface ProfileFlags {
  name?: string;
  format: string;
  runtime?: string;
  defaultAction: string;
  apparmorAnnotation?: boolean;
  nnp?: string;
}

/** The profile flags, checked. */
export interface ProfileSettings {
  name?: string;
  format: 'docker' | 'oci' | 'spo';
  runtime?: 'crun' | 'runc' | 'none';
  defaultAction: 'errno' | 'kill-process' | 'log';
  apparmorAnnotation: boolean;
  /** The runtime layer for no_new_privs set (true) or not (false); default: what the recordings' bundles set. */
  noNewPrivileges?: boolean;
  /** Docker's default seccomp profile (parsed), for the summary's comparison. */
  dockerDefault?: unknown;
}

/** One file to write, by its name inside the output directory. */
export interface ProfileFile {
  file: string;
  data: string;
}

/** Check the shared flags up front; messages quote the flag and the bad value. */
export function checkProfileFlags(opts: ProfileFlags): ProfileSettings {
  const settings: ProfileSettings = {
    format: oneOf('--format', opts.format, ['docker', 'oci', 'spo'] as const),
    defaultAction: oneOf('--default-action', opts.defaultAction, ['errno', 'kill-process', 'log'] as const),
    apparmorAnnotation: Boolean(opts.apparmorAnnotation),
  };
  if (opts.runtime !== undefined)
    settings.runtime = oneOf('--runtime', opts.runtime, ['crun', 'runc', 'none'] as const);
  if (opts.nnp !== undefined) settings.noNewPrivileges = oneOf('--nnp', opts.nnp, ['on', 'off'] as const) === 'on';
  if (opts.name !== undefined) settings.name = checkName('--name', opts.name);
  return settings;
}

/** Whether a run was a container (bundle, docker or podman), whose target names its runtime and no_new_privs. */
function isContainerRun(t: Recording['target']): t is Extract<Recording['target'], { runtime: 'crun' | 'runc' }> {
  return t.kind === 'bundle' || t.kind === 'docker' || t.kind === 'podman';
}

/** The runtime layer the recordings imply: the container runtime all their runs share (merged recordings count as their runs), else none. */
export function impliedRuntime(recordings: readonly Recording[]): 'crun' | 'runc' | 'none' {
  const runs = recordings.flatMap((r) => expandRecording(r).runs);
  const runtimes = new Set(runs.map((r) => (isContainerRun(r.target) ? r.target.runtime : 'none')));
  const [only] = [...runtimes];
  return runtimes.size === 1 && only ? only : 'none';
}

/**
 * Whether the profile will run with no_new_privs: only when every run was a container that set it. Otherwise the larger
 * runtime layer measured without it is used, which works either way (Docker and podman set no_new_privs only on request).
 */
export function impliedNoNewPrivileges(recordings: readonly Recording[]): boolean {
  const runs = recordings.flatMap((r) => expandRecording(r).runs);
  return runs.length > 0 && runs.every((r) => isContainerRun(r.target) && r.target.noNewPrivileges === true);
}

/** The file names a profile NAME is written under, in every format (what `check` may find in a directory). */
export function profileFileNames(name: string): string[] {
  return [`${name}.apparmor`, `${name}.k8s.yaml`, `${name}.seccomp.json`, `${name}.seccomp.yaml`];
}

/** Render the profiles of `recordings`: NAME.seccomp.json (or .yaml for spo), NAME.apparmor and NAME.k8s.yaml. */
export function renderProfiles(
  recordings: readonly Recording[],
  settings: ProfileSettings,
): { name: string; runtime: 'crun' | 'runc' | 'none'; files: ProfileFile[]; summary: RenderSummary } {
  const name = settings.name ?? recordings[0]!.name;
  const runtime = settings.runtime ?? impliedRuntime(recordings);
  const policy = buildPolicy(recordings, {
    name,
    runtime,
    noNewPrivileges: settings.noNewPrivileges ?? impliedNoNewPrivileges(recordings),
  });
  const out = renderAll(policy, {
    format: settings.format,
    defaultAction: settings.defaultAction,
    apparmorAnnotation: settings.apparmorAnnotation,
    apparmorTemplate: loadTemplate('apparmor'),
    ...(settings.dockerDefault === undefined ? {} : { dockerDefault: settings.dockerDefault }),
  });
  const files: ProfileFile[] = [
    { file: `${name}.seccomp.${settings.format === 'spo' ? 'yaml' : 'json'}`, data: out.seccomp },
    { file: `${name}.apparmor`, data: out.apparmor },
    { file: `${name}.k8s.yaml`, data: out.k8s },
  ];
  return { name, runtime, files, summary: out.summary };
}
