// The profile files of a set of recordings, shared by `generate` (writes them) and `check` (compares them): pure.
import { oneOf, checkName } from './options.js';
import { buildPolicy } from '../analyze/policy.js';
import { renderAll, type RenderSummary } from '../render/index.js';
import { loadTemplate } from '../util/package-files.js';
import { expandRecording } from '../recording/provenance.js';
import type { Recording } from '../recording/types.js';
import { badInput } from '../errors.js';
import { checkSpoTarget, SPO_API_VERSIONS, type SpoTarget } from '../render/spo.js';
import type { ChosenLayer } from './runtime-report.js';
import { byCodeUnit } from '../util/json.js';

/** The profile flags generate and check share, as commander hands them over. */
export interface ProfileFlags {
  name?: string;
  format: string;
  runtime?: string;
  defaultAction: string;
  apparmorAnnotation?: boolean;
  nnp?: string;
  /** With format spo: the operator's API version and, for namespaced releases, the namespace. */
  spoApiVersion?: string;
  spoNamespace?: string;
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
  /** With format spo: which operator the resources are for. */
  spo?: SpoTarget;
}

/** One file to write, by its name inside the output directory. */
export interface ProfileFile {
  file: string;
  data: string;
}

/** The operator target of --spo-api-version and --spo-namespace, which apply to --format spo only. */
function spoFlags(opts: ProfileFlags, format: ProfileSettings['format']): SpoTarget | undefined {
  if (format !== 'spo') {
    const given =
      opts.spoApiVersion !== undefined
        ? '--spo-api-version'
        : opts.spoNamespace !== undefined
          ? '--spo-namespace'
          : undefined;
    if (given) throw badInput(`${given} applies to --format spo only (got --format ${format})`);
    return undefined;
  }
  const target: SpoTarget = { apiVersion: oneOf('--spo-api-version', opts.spoApiVersion ?? 'v1', SPO_API_VERSIONS) };
  if (opts.spoNamespace !== undefined) target.namespace = opts.spoNamespace;
  try {
    return checkSpoTarget(target);
  } catch (err) {
    throw badInput(`--spo-namespace: ${(err as Error).message}`, err);
  }
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
  const spo = spoFlags(opts, settings.format);
  if (spo !== undefined) settings.spo = spo;
  return settings;
}

/** Whether a run was a container (bundle, docker, podman or CRI), whose target names its runtime and no_new_privs. */
function isContainerRun(t: Recording['target']): t is Extract<Recording['target'], { runtime: 'crun' | 'runc' }> {
  return t.kind === 'bundle' || t.kind === 'docker' || t.kind === 'podman' || t.kind === 'cri';
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
  return [
    `${name}.apparmor`,
    `${name}.apparmor.yaml`,
    `${name}.k8s.yaml`,
    `${name}.seccomp.json`,
    `${name}.seccomp.yaml`,
  ];
}

/** Render the profiles of `recordings`: NAME.seccomp.json (or .yaml for spo), NAME.apparmor and NAME.k8s.yaml. */
export function renderProfiles(
  recordings: readonly Recording[],
  settings: ProfileSettings,
): {
  name: string;
  runtime: 'crun' | 'runc' | 'none';
  layer: ChosenLayer;
  files: ProfileFile[];
  summary: RenderSummary;
} {
  const name = settings.name ?? recordings[0]!.name;
  const runtime = settings.runtime ?? impliedRuntime(recordings);
  const noNewPrivileges = settings.noNewPrivileges ?? impliedNoNewPrivileges(recordings);
  const policy = buildPolicy(recordings, { name, runtime, noNewPrivileges });
  // Comments name the runs in one order, whatever the order of the inputs: reordering them is not drift.
  policy.sources = [...policy.sources].sort(byCodeUnit);
  const out = renderAll(policy, {
    format: settings.format,
    defaultAction: settings.defaultAction,
    apparmorAnnotation: settings.apparmorAnnotation,
    apparmorTemplate: loadTemplate('apparmor'),
    ...(settings.dockerDefault === undefined ? {} : { dockerDefault: settings.dockerDefault }),
    ...(settings.spo === undefined ? {} : { spo: settings.spo }),
  });
  const files: ProfileFile[] = [
    { file: `${name}.seccomp.${settings.format === 'spo' ? 'yaml' : 'json'}`, data: out.seccomp },
    { file: `${name}.apparmor`, data: out.apparmor },
    { file: `${name}.k8s.yaml`, data: out.k8s },
    // Last, so that the first three are the same files in every format.
    ...(out.apparmorSpo === undefined ? [] : [{ file: `${name}.apparmor.yaml`, data: out.apparmorSpo }]),
  ];
  const layer: ChosenLayer = {
    name: policy.runtime.name,
    version: policy.runtime.version,
    noNewPrivileges,
    added: out.summary.seccomp.runtimeLayer.added,
  };
  return { name, runtime, layer, files, summary: out.summary };
}
