// The Kubernetes node a recording was made on. `tracewall collect` knows it from the agent pod that served the file and
// writes it into the recording's CRI target (`target.node`), so that a merge of many nodes' recordings still says, in
// `provenance.sources`, which node every run (and so every rule) came from.
import { badInput } from '../errors.js';
import type { Recording, RunTarget } from './types.js';

function onNode(target: RunTarget, node: string, label: string): RunTarget {
  if (target.kind !== 'cri')
    throw badInput(
      `${label}: a recording of a ${target.kind} target; expected a Kubernetes container's (target kind cri), which can name its node`,
    );
  if (target.node !== undefined && target.node !== node)
    throw badInput(`${label}: says it was recorded on node ${target.node}, but the agent on node ${node} served it`);
  return { ...target, node };
}

/** The recording with `node` as the node of its run (a plain recording) or of each of its runs (a merged one). */
export function withNode(r: Recording, node: string, label: string): Recording {
  if (r.provenance)
    return {
      ...r,
      provenance: {
        ...r.provenance,
        sources: r.provenance.sources.map((s) => ({ ...s, target: onNode(s.target, node, label) })),
      },
    };
  if (r.target.kind === 'merge') throw badInput(`${label}: a merged recording without provenance`);
  return { ...r, target: onNode(r.target, node, label) };
}
