// Reaching the node agents of a cluster through kubectl (the user's own, with their kubeconfig and context): listing
// the agent pods of the DaemonSet with the node each runs on, and copying an agent's recordings directory out of its
// pod (`kubectl exec POD -- tar -c`, unpacked by the local tar into a fresh directory).
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { badInput, toolMissing } from '../errors.js';

/** An agent pod: its name, the node it runs on and its phase (Running, Pending, ...). */
export interface AgentPod {
  name: string;
  node: string;
  phase: string;
}

/** Where the agents are and how to reach them. */
export interface AgentsRef {
  /** The kubectl program (a path or a name on PATH). */
  kubectl: string;
  namespace: string;
  /** A label selector of the agent pods (app=tracewall-agent). */
  selector: string;
  /** The agent's container in its pod. */
  container: string;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function notFound(kubectl: string, err: unknown): Error {
  return toolMissing(`${kubectl}: kubectl is not installed or not executable (install kubectl, or name it)`, err);
}

function podsOf(json: string, ref: AgentsRef): AgentPod[] {
  let items: unknown;
  try {
    items = (JSON.parse(json) as { items?: unknown }).items;
  } catch (err) {
    throw toolMissing(`${ref.kubectl} get pods -o json printed something that is not JSON`, err);
  }
  if (!Array.isArray(items)) throw toolMissing(`${ref.kubectl} get pods -o json printed no "items" list`);
  return items.map(
    (item: { metadata?: { name?: unknown }; spec?: { nodeName?: unknown }; status?: { phase?: unknown } }) => {
      const name = String(item.metadata?.name ?? '');
      const node = String(item.spec?.nodeName ?? '');
      if (node !== '' && !NODE_NAME.test(node))
        throw badInput(`pod ${name}: node name ${JSON.stringify(node)} is not a DNS name`);
      return { name, node, phase: String(item.status?.phase ?? 'Unknown') };
    },
  );
}

/** The agent pods the selector finds in the namespace, sorted by node then name. */
export async function listAgentPods(ref: AgentsRef): Promise<AgentPod[]> {
  const args = ['get', 'pods', '--namespace', ref.namespace, '--selector', ref.selector, '--output', 'json'];
  const r = await execa(ref.kubectl, args, { reject: false, stdin: 'ignore', timeout: 60_000, encoding: 'utf8' });
  if (r.exitCode === undefined && r.code === 'ENOENT') throw notFound(ref.kubectl, r);
  if (r.exitCode !== 0)
    throw toolMissing(`${ref.kubectl} ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
  return podsOf(String(r.stdout), ref).sort((a, b) =>
    a.node < b.node ? -1 : a.node > b.node ? 1 : a.name < b.name ? -1 : 1,
  );
}

function waitFor(child: ReturnType<typeof spawn>): Promise<{ code: number | null; error?: Error }> {
  return new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
}

/**
 * Copies the agent's directory `dir` out of its pod into `dest` (created; it must not exist): `kubectl exec POD -c
 * CONTAINER -- tar -C DIR -cf - .` piped into `tar -C DEST -xf -`. Errors name the pod and the first line of what failed.
 */
export async function fetchAgentDir(ref: AgentsRef, pod: AgentPod, dir: string, dest: string): Promise<void> {
  fs.mkdirSync(dest, { recursive: false });
  const args = [
    'exec',
    '--namespace',
    ref.namespace,
    pod.name,
    '-c',
    ref.container,
    '--',
    'tar',
    '-C',
    dir,
    '-cf',
    '-',
    '.',
  ];
  const remote = spawn(ref.kubectl, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const local = spawn('tar', ['-C', dest, '--no-same-owner', '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let remoteErr = '';
  let localErr = '';
  remote.stderr.on('data', (d: Buffer) => (remoteErr += d.toString()));
  local.stderr.on('data', (d: Buffer) => (localErr += d.toString()));
  local.stdin.on('error', () => undefined);
  remote.stdout.pipe(local.stdin);
  const [r, l] = await Promise.all([waitFor(remote), waitFor(local)]);
  if (r.error) throw (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? notFound(ref.kubectl, r.error) : r.error;
  if (l.error)
    throw toolMissing(`tar: cannot run it to unpack ${pod.name}'s recordings (apt-get install tar)`, l.error);
  if (r.code !== 0)
    throw toolMissing(
      `${ref.kubectl} exec ${pod.name} (node ${pod.node}) -- tar -C ${dir} failed (exit ${r.code}): ${remoteErr.trim()}`,
    );
  if (l.code !== 0)
    throw toolMissing(`tar could not unpack what pod ${pod.name} (node ${pod.node}) sent: ${localErr.trim()}`);
}
