// What `generate` says about the runtime layer it added, and the warnings when the recordings' runtime is not the one
// the profile will run under (a crun layer under runc makes runc's Go init fail after the filter is in).
import { expandRecording } from '../recording/provenance.js';
import type { Recording } from '../recording/types.js';
import { byCodeUnit } from '../util/json.js';

/** The layer that was added, as renderProfiles chose it. */
export interface ChosenLayer {
  name: 'crun' | 'runc' | 'none';
  version: string;
  /** Whether the layer is the one measured with no_new_privs set (the smaller one). */
  noNewPrivileges: boolean;
  /** Syscalls only the layer adds (the workload did not make them). */
  added: readonly string[];
}

/** What the user asked for. */
export interface LayerRequest {
  format: 'docker' | 'oci' | 'spo';
  /** --runtime, when given. */
  runtime?: 'crun' | 'runc' | 'none';
  /** --nnp, when given. */
  noNewPrivileges?: boolean;
}

/** The runtimes (and their versions) the recordings' runs were made under; "none" for commands and attached processes. */
function recordedRuntimes(recordings: readonly Recording[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const run of recordings.flatMap((r) => expandRecording(r).runs)) {
    const t = run.target;
    const name = 'runtime' in t ? t.runtime : 'none';
    const versions = out.get(name) ?? new Set<string>();
    if ('runtimeVersion' in t) versions.add(t.runtimeVersion);
    out.set(name, versions);
  }
  return out;
}

function nnpWords(layer: ChosenLayer, req: LayerRequest): string {
  const why = req.noNewPrivileges !== undefined ? ' (--nnp)' : layer.noNewPrivileges ? ' (every run set it)' : '';
  return layer.noNewPrivileges
    ? `for containers with no_new_privs${why}`
    : `for containers without no_new_privs${why}, the larger measured list; --nnp on if yours set it`;
}

/** The line naming the layer: runtime, version, no_new_privs or not, why this runtime, what it adds. */
function layerLine(layer: ChosenLayer, req: LayerRequest, recorded: Map<string, Set<string>>): string {
  if (layer.name === 'none')
    return req.runtime === 'none'
      ? 'runtime layer: none (--runtime none)'
      : 'runtime layer: none (the recordings ran no container); to run this profile in a container, pass --runtime crun or --runtime runc';
  const why =
    req.runtime !== undefined
      ? `--runtime ${req.runtime}`
      : `the recordings ran under ${[...recorded.keys()].join(', ')}`;
  const adds = layer.added.length === 0 ? 'adds nothing the workload did not do' : `adds ${layer.added.join(' ')}`;
  return `runtime layer: ${layer.name} ${layer.version} (${why}), ${nnpWords(layer, req)}; ${adds}`;
}

/** Warnings about the layer: a runtime other than the recorded one, a likely runc target, a version it was not measured for. */
function layerWarnings(layer: ChosenLayer, req: LayerRequest, recorded: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  const containerRuntimes = [...recorded.keys()].filter((r) => r !== 'none').sort(byCodeUnit);
  const engineFormat = req.format === 'docker' || req.format === 'spo';
  if (req.runtime !== undefined && req.runtime !== 'none') {
    const other = containerRuntimes.filter((r) => r !== req.runtime);
    if (other.length > 0)
      out.push(
        `the recordings ran under ${other.join(', ')}, the profile is for ${req.runtime} (--runtime): its layer is ${req.runtime}'s, but verify the workload under ${req.runtime} before enforcing`,
      );
  } else if (req.runtime === undefined && engineFormat && layer.name !== 'runc') {
    const now = layer.name === 'none' ? 'no runtime layer was added' : `the ${layer.name} layer was added`;
    out.push(
      `${now}, but Docker, containerd and Kubernetes run runc by default, whose Go init then fails after the filter is in: pass --runtime runc if the profile will run there (--runtime ${layer.name} to keep this)`,
    );
  }
  const versions = recorded.get(layer.name);
  const others = [...(versions ?? [])].filter((v) => v !== layer.version).sort(byCodeUnit);
  if (layer.name !== 'none' && others.length > 0)
    out.push(
      `the ${layer.name} layer was measured for ${layer.name} ${layer.version}; the recordings ran ${layer.name} ${others.join(', ')}: if the container does not start, re-measure (node scripts/measure-runtime-layer.mjs)`,
    );
  return out;
}

/** The lines (without the "tracewall: " prefix) generate prints about the runtime layer; warnings start with "warning: ". */
export function runtimeLayerReport(recordings: readonly Recording[], layer: ChosenLayer, req: LayerRequest): string[] {
  const recorded = recordedRuntimes(recordings);
  return [layerLine(layer, req, recorded), ...layerWarnings(layer, req, recorded).map((w) => `warning: ${w}`)];
}
