// Watching the CRI for running containers of selected pods. The CRI of containerd 1.6 has no event stream
// (GetContainerEvents came with containerd 1.7), so the agent polls: ListPodSandbox (ready ones) and ListContainers
// (running ones), two cheap calls. When the runtime does not answer (restarting, gone), the watch says so once, backs off
// (1 s doubling to 30 s), reconnects, and says so again when it answers.
import { CriClient } from '../cri/client.js';
import { criRuntimeName, POD_NAME_LABEL, POD_NAMESPACE_LABEL, CONTAINER_NAME_LABEL } from '../cri/containers.js';
import type { Container, PodSandbox } from '../cri/types.js';
import { TracewallError } from '../errors.js';
import type { AgentContainer } from './recorder.js';
import { podSelected, type PodFilter } from './selector.js';

/** How often the CRI is asked while it answers, and the longest wait between tries while it does not. */
export const POLL_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;

/** One poll's answer: every running container of a selected pod (sorted by pod, then name). */
export interface Listing {
  containers: AgentContainer[];
}

/** The CRI, polled; `say` writes one line of news (unavailable, back). */
export class CriWatch {
  readonly endpoint: string;
  #cri: CriClient | undefined;
  #runtime = '';
  #failures = 0;
  #downSince: number | undefined;
  readonly #say: (line: string) => void;

  constructor(endpoint: string, say: (line: string) => void) {
    this.endpoint = endpoint;
    this.#say = say;
  }

  /** Whether the last poll was answered (true before the first). */
  get available(): boolean {
    return this.#downSince === undefined;
  }

  /** How long to wait before the next poll: POLL_MS while the runtime answers, backing off while it does not. */
  get nextDelayMs(): number {
    if (this.#failures === 0) return POLL_MS;
    return Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** (this.#failures - 1));
  }

  /** The running containers of the pods `filter` selects, or null when the runtime did not answer. */
  async poll(filter: PodFilter): Promise<Listing | null> {
    try {
      this.#cri ??= CriClient.connect(this.endpoint);
      if (this.#runtime === '') this.#runtime = await criRuntimeName(this.#cri);
      const listing = await this.list(this.#cri, filter);
      this.answered();
      return listing;
    } catch (err) {
      // a runtime that does not answer (exit 3), or one that refuses the calls (exit 2: an error status): said, tried again
      if (!(err instanceof TracewallError)) throw err;
      this.failed(err.message);
      return null;
    }
  }

  private async list(cri: CriClient, filter: PodFilter): Promise<Listing> {
    const { items } = await cri.call('ListPodSandbox', { filter: { state: { state: 'SANDBOX_READY' } } });
    const pods = new Map<string, { sandbox: PodSandbox; namespace: string; pod: string }>();
    for (const sandbox of items) {
      const namespace = sandbox.metadata?.namespace ?? sandbox.labels[POD_NAMESPACE_LABEL] ?? '';
      const pod = sandbox.metadata?.name ?? sandbox.labels[POD_NAME_LABEL] ?? '';
      if (namespace && pod && podSelected(filter, namespace, sandbox.labels))
        pods.set(sandbox.id, { sandbox, namespace, pod });
    }
    const { containers } = await cri.call('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } });
    const out: AgentContainer[] = [];
    for (const container of containers) {
      const p = pods.get(container.pod_sandbox_id);
      if (p) out.push({ cri, criRuntime: this.#runtime, ...p, container, name: containerName(container) });
    }
    out.sort((a, b) => `${a.namespace}/${a.pod}/${a.name}`.localeCompare(`${b.namespace}/${b.pod}/${b.name}`));
    return { containers: out };
  }

  private answered(): void {
    if (this.#downSince !== undefined) {
      const s = Math.round((Date.now() - this.#downSince) / 1000);
      this.#say(`the CRI runtime at ${this.endpoint} answers again (after ${s} s); watching for new containers`);
    }
    this.#failures = 0;
    this.#downSince = undefined;
  }

  private failed(why: string): void {
    // a new connection next time: grpc's own reconnection backs off up to two minutes
    this.#cri?.close();
    this.#cri = undefined;
    this.#runtime = '';
    this.#failures++;
    if (this.#downSince !== undefined) return;
    this.#downSince = Date.now();
    this.#say(
      `${why.replace(/\. Resolution note: \)$/, ')')}; recording on what is attached, asking again with backoff (up to ${MAX_BACKOFF_MS / 1000} s between tries)`,
    );
  }

  close(): void {
    this.#cri?.close();
    this.#cri = undefined;
  }
}

function containerName(c: Container): string {
  return c.metadata?.name ?? c.labels[CONTAINER_NAME_LABEL] ?? c.id;
}
