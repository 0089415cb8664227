// A stand-in for kubectl, for `tracewall collect`'s tests: kubectl is not installable on this project's machines (no
// Kubernetes packages in Debian 12, no registry but npm and Debian's), so the test cannot talk to a cluster. The fake
// answers exactly the two calls collect makes, from a directory the test lays out: `get pods --namespace NS --selector
// SEL --output json` prints ROOT/pods.json (a real `kubectl get pods -o json` shape) when NS and SEL are the agents',
// and `exec --namespace NS POD -c CONTAINER -- CMD...` runs CMD (tar) with ROOT/pods/POD as the pod's root, so the
// recordings it serves are files the test wrote, as the agents would have on their nodes.
import fs from 'node:fs';
import path from 'node:path';
import type { Recording } from '../../src/recording/types.js';
import { serializeRecording } from '../../src/recording/io.js';

/** An agent pod the fake serves. */
export interface FakeAgent {
  pod: string;
  node: string;
  phase?: string;
  /** Files under the agent's directory (/var/lib/tracewall/agent): relative path to recording. */
  files: Record<string, Recording>;
}

const SCRIPT = `#!/bin/bash
# fake kubectl (test/helpers/fake-kubectl.ts): kubectl cannot be installed on the test machines
root=$(dirname "$0")
echo "$*" >>"$root/calls.log"
if [[ $1 == get && $2 == pods ]]; then
  if [[ "$*" == "get pods --namespace tracewall --selector app=tracewall-agent --output json" ]]; then cat "$root/pods.json"
  else echo '{"apiVersion":"v1","kind":"List","items":[]}'; fi
  exit 0
fi
if [[ $1 == exec && $2 == --namespace ]]; then
  pod=$4
  [[ -d $root/pods/$pod ]] || { echo "Error from server (NotFound): pods \\"$pod\\" not found" >&2; exit 1; }
  [[ $5 == -c && $7 == -- ]] || { echo "fake kubectl: unexpected exec arguments: $*" >&2; exit 2; }
  shift 7
  args=()
  for a in "$@"; do [[ $a == /* ]] && a=$root/pods/$pod$a; args+=("$a"); done
  exec "\${args[@]}"
fi
echo "fake kubectl: unexpected call: $*" >&2
exit 2
`;

/** Writes the fake kubectl and its pods into `dir`; returns the kubectl's path. */
export function fakeKubectl(dir: string, agents: readonly FakeAgent[]): string {
  const items = agents.map((a) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: a.pod, namespace: 'tracewall', labels: { app: 'tracewall-agent' } },
    spec: { nodeName: a.node, containers: [{ name: 'agent', image: 'tracewall-agent:0.1.0' }] },
    status: { phase: a.phase ?? 'Running' },
  }));
  fs.writeFileSync(path.join(dir, 'pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  for (const a of agents) {
    const agentDir = path.join(dir, 'pods', a.pod, 'var/lib/tracewall/agent');
    fs.mkdirSync(agentDir, { recursive: true });
    for (const [rel, r] of Object.entries(a.files)) {
      fs.mkdirSync(path.dirname(path.join(agentDir, rel)), { recursive: true });
      fs.writeFileSync(path.join(agentDir, rel), serializeRecording(r));
    }
  }
  const kubectl = path.join(dir, 'kubectl');
  fs.writeFileSync(kubectl, SCRIPT, { mode: 0o755 });
  return kubectl;
}
