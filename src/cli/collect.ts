// `tracewall collect -o DIR`: every node's recordings, gathered from the node agents (deploy/daemonset.yaml) with
// kubectl, and merged per (namespace, workload, container) across nodes. Each run keeps the node it came from: the
// collected recordings' CRI targets get `node`, so the merged recording's `provenance.sources` name it for every run.
//   DIR/nodes/NODE/...                               each agent's directory as it was on its node
//   DIR/merged/NAMESPACE/WORKLOAD/CONTAINER.recording.json   the merge of that container's pods on every node
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { RecordingMerger } from '../analyze/merge.js';
import { renameRuns } from '../recording/rename-runs.js';
import { writeRecording } from '../recording/io.js';
import { withNode } from '../recording/node.js';
import { fetchAgentDir, listAgentPods, type AgentPod, type AgentsRef } from '../cri/kubectl.js';
import { byCodeUnit } from '../util/json.js';
import { count } from '../util/plural.js';
import { readRecordingsFor } from './read-recordings.js';
import { renamePlan, runNames } from './merge-names.js';
import { nameFrom } from './options.js';

/** Flags of `collect`. */
export interface CollectFlags extends AgentsRef {
  output: string;
  /** The agents' recordings directory inside their pods (the DaemonSet's hostPath). */
  agentDir: string;
}

/** A pod's recording fetched from a node: nodes/NODE/NAMESPACE/WORKLOAD/CONTAINER/POD.recording.json. */
interface Fetched {
  node: string;
  file: string;
  /** NAMESPACE/WORKLOAD/CONTAINER */
  key: string;
}

/** Kubernetes names (namespaces, workloads, containers, pods) as directory names: nothing else is read. */
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function entries(dir: string, want: 'dir' | 'file'): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => PART.test(e.name) && (want === 'dir' ? e.isDirectory() : e.isFile()))
    .map((e) => e.name)
    .sort(byCodeUnit);
}

/** The pods' recordings in a node's directory (the agent's own merged ones left out: collect merges across nodes). */
function podRecordings(nodeDir: string, node: string): Fetched[] {
  const out: Fetched[] = [];
  for (const ns of entries(nodeDir, 'dir'))
    for (const workload of entries(path.join(nodeDir, ns), 'dir'))
      for (const container of entries(path.join(nodeDir, ns, workload), 'dir')) {
        const dir = path.join(nodeDir, ns, workload, container);
        for (const f of entries(dir, 'file'))
          if (f.endsWith('.recording.json') && !f.endsWith('.merged.recording.json'))
            out.push({ node, file: path.join(dir, f), key: `${ns}/${workload}/${container}` });
      }
  return out;
}

/** Fetches every running agent's directory into `nodesDir/NODE`; agents not running are reported and left out. */
async function fetchAll(flags: CollectFlags, pods: AgentPod[], nodesDir: string, say: (t: string) => void) {
  const fetched: Fetched[] = [];
  const nodes: string[] = [];
  for (const pod of pods) {
    if (pod.phase !== 'Running' || pod.node === '') {
      say(
        `tracewall: agent ${pod.name} is ${pod.phase}${pod.node ? ` on node ${pod.node}` : ''}: its node is left out\n`,
      );
      continue;
    }
    if (nodes.includes(pod.node)) {
      say(`tracewall: agent ${pod.name} is a second agent on node ${pod.node}: left out (its directory is the same)\n`);
      continue;
    }
    const dest = path.join(nodesDir, pod.node);
    await fetchAgentDir(flags, pod, flags.agentDir, dest);
    const found = podRecordings(dest, pod.node);
    say(`tracewall: node ${pod.node} (agent ${pod.name}): ${count(found.length, 'recording')}\n`);
    nodes.push(pod.node);
    fetched.push(...found);
  }
  return { fetched, nodes };
}

/** The group's recordings merged, one read at a time; runs of one name are told apart by their nodes (NAME.NODE). */
function mergeGroup(key: string, inputs: readonly Fetched[]) {
  const read = (x: Fetched) => withNode(readRecordingsFor('collect', [x.file])[0]!, x.node, x.file);
  const plan = renamePlan(inputs.map((x) => ({ names: runNames(read(x)), file: `${x.node}.recording.json` })));
  const merger = new RecordingMerger();
  inputs.forEach((x, i) => {
    const rename = plan.renames[i]!;
    const r = read(x);
    merger.add({ recording: rename.size > 0 ? renameRuns(r, rename) : r, label: x.file });
  });
  return {
    merged: merger.result({ name: nameFrom(key.replaceAll('/', '-')), toolVersion: TOOL_VERSION }),
    notes: plan.notes,
  };
}

/** Writes the merged recording of every (namespace, workload, container) under `mergedDir`. */
function mergeAll(fetched: readonly Fetched[], mergedDir: string, shown: string, say: (t: string) => void): number {
  const groups = new Map<string, Fetched[]>();
  for (const x of fetched) groups.set(x.key, [...(groups.get(x.key) ?? []), x]);
  for (const key of [...groups.keys()].sort(byCodeUnit)) {
    const inputs = groups.get(key)!;
    const { merged, notes } = mergeGroup(key, inputs);
    const file = path.join(mergedDir, `${key}.recording.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeRecording(file, merged);
    const nodes = [...new Set(inputs.map((x) => x.node))];
    notes.forEach((n) => say(`tracewall: ${key}: ${n}\n`));
    say(
      `tracewall: ${key}: merged ${count(inputs.length, 'run')} from ${count(nodes.length, 'node')} (${nodes.join(', ')}) into ${path.join(shown, 'merged', `${key}.recording.json`)}\n`,
    );
  }
  return groups.size;
}

/**
 * Runs the verb; resolves to 0. kubectl missing or failing is exit 3; no agent pod found, or a recording that is not a
 * Kubernetes container's, exit 2. DIR's nodes/ and merged/ are replaced only once everything was fetched and merged.
 */
export async function collectCommand(
  flags: CollectFlags,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const pods = await listAgentPods(flags);
  if (pods.length === 0)
    throw badInput(`no agent pods in namespace ${flags.namespace} match the selector ${flags.selector}`);
  fs.mkdirSync(flags.output, { recursive: true });
  const work = fs.mkdtempSync(path.join(flags.output, '.collect-'));
  try {
    fs.mkdirSync(path.join(work, 'nodes'));
    fs.mkdirSync(path.join(work, 'merged'));
    const { fetched, nodes } = await fetchAll(flags, pods, path.join(work, 'nodes'), stderr);
    const groups = mergeAll(fetched, path.join(work, 'merged'), flags.output, stderr);
    for (const part of ['nodes', 'merged']) {
      fs.rmSync(path.join(flags.output, part), { recursive: true, force: true });
      fs.renameSync(path.join(work, part), path.join(flags.output, part));
    }
    stderr(
      `tracewall: collected ${count(fetched.length, 'recording')} from ${count(nodes.length, 'node')}: ${count(groups, 'merged recording')} in ${path.join(flags.output, 'merged')}\n`,
    );
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
