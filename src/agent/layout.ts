// Where the agent writes, under its directory (the DaemonSet's hostPath):
//   DIR/NAMESPACE/WORKLOAD/CONTAINER/POD.recording.json     one recording of one container of one pod
//   DIR/NAMESPACE/WORKLOAD/CONTAINER/POD.N.recording.json   the Nth (N >= 2) of the same pod's container: a restart of the
//                                                           container, a new segment of a long one, a restarted agent
//   DIR/NAMESPACE/WORKLOAD/CONTAINER.merged.recording.json  every recording of that workload's container, merged
//   DIR/agent-status.json                                   what the agent is doing (rewritten every status interval)
// (a pod or workload name over 200 characters is cut to 191 and 8 characters of its hash: file names end at 255 bytes)
// and the names recordings carry (file and profile names: 63 characters at most).
import crypto from 'node:crypto';
import path from 'node:path';
import { badInput } from '../errors.js';
import { isValidName } from '../util/names.js';

/** What a merged recording is kept per. */
export interface WorkloadKey {
  namespace: string;
  workload: string;
  container: string;
}

/** A Kubernetes name as one path component (never "", ".", ".." or with a "/"); badInput naming it otherwise. */
export function pathSegment(value: string, what: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(value)) return value;
  throw badInput(
    `${what} ${JSON.stringify(value)} is not a Kubernetes name (expected letters, digits, ".", "_" and "-", starting with a letter or digit)`,
  );
}

/** `text` as a recording name: itself when it is one, else its first 54 characters and 8 of its hash (still unique). */
export function boundedName(text: string): string {
  if (isValidName(text)) return text;
  const clean = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, 54) || 'run'}-${hash}`;
}

/** The directory of one workload's container's recordings. */
export function containerDir(dir: string, k: WorkloadKey): string {
  return path.join(
    dir,
    pathSegment(k.namespace, 'namespace'),
    stem(pathSegment(k.workload, 'workload')),
    pathSegment(k.container, 'container'),
  );
}

/** A file name's stem: `name` itself, or, beyond 200 characters (file names end at 255 bytes), its start and a hash. */
function stem(name: string): string {
  if (name.length <= 200) return name;
  return `${name.slice(0, 191)}-${crypto.createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The file of the `n`th recording (1 first) of `pod`'s container. */
export function recordingFile(dir: string, k: WorkloadKey, pod: string, n: number): string {
  const p = stem(pathSegment(pod, 'pod'));
  return path.join(containerDir(dir, k), n <= 1 ? `${p}.recording.json` : `${p}.${n}.recording.json`);
}

/** The name of that recording (its run's name in the merged recording). */
export function recordingName(k: WorkloadKey, pod: string, n: number): string {
  return boundedName(`${k.namespace}-${pod}-${k.container}${n <= 1 ? '' : `-${n}`}`);
}

/** The merged recording of a workload's container. */
export function mergedFile(dir: string, k: WorkloadKey): string {
  return path.join(
    dir,
    pathSegment(k.namespace, 'namespace'),
    stem(pathSegment(k.workload, 'workload')),
    `${pathSegment(k.container, 'container')}.merged.recording.json`,
  );
}

/** The merged recording's name (and so the profiles' default name). */
export function mergedName(k: WorkloadKey): string {
  return boundedName(`${k.namespace}-${k.workload}-${k.container}`);
}

/** The status file. */
export function statusFile(dir: string): string {
  return path.join(dir, 'agent-status.json');
}

/** A key as text: NAMESPACE/WORKLOAD/CONTAINER. */
export function keyText(k: WorkloadKey): string {
  return `${k.namespace}/${k.workload}/${k.container}`;
}
