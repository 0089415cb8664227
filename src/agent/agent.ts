// The node agent: polls the CRI for running containers of selected pods, records each with a ContainerRecorder (at most
// `maxContainers` at once; the rest wait, said once each), writes each recording and keeps its workload's merged
// recording up to date (store.ts), reports its status every interval, and on a stop request ends every recording,
// writes it and returns. No process-wide state: the caller turns signals into `interrupt` and prints `say`'s lines.
import fs from 'node:fs';
import { TracewallError } from '../errors.js';
import type { Interruption } from '../trace/interrupt.js';
import { count } from '../util/plural.js';
import { pathSegment, recordingName, statusFile, type WorkloadKey } from './layout.js';
import type { AgentContainer, ContainerRecorder, RunEnd } from './recorder.js';
import { selectorText, type PodFilter } from './selector.js';
import { RecordingStore } from './store.js';
import { addLost, memoryReport, statusLine, writeStatus, type AgentStatus, type StatusContainer } from './status.js';
import { CriWatch } from './watch.js';
import { workloadOf } from './workload.js';

export interface AgentOptions {
  /** The output directory (created when missing). */
  dir: string;
  /** unix:///PATH of the CRI socket. */
  endpoint: string;
  filter: PodFilter;
  recorder: ContainerRecorder;
  /** At most this many containers recorded at once (also bounded by the recorder's capacity). */
  maxContainers: number;
  /** A merged recording of so many runs is compacted into one run before the next is folded in (store.ts). */
  maxMergedRuns?: number;
  /** End each recording after so long and start the next (bounds a long-lived container's log), or never. */
  segmentMs?: number;
  statusIntervalMs: number;
  toolVersion: string;
  /** stop: the agent ends (every recording written); kill: tracers are killed at once. */
  interrupt: Interruption;
  /** One line of news for the operator (stderr). */
  say: (line: string) => void;
}

/** What the agent did, when it returns. */
export interface AgentSummary {
  recordingsWritten: number;
  mergesWritten: number;
  failures: number;
  notRecorded: number;
}

interface Active extends StatusContainer {
  done: Promise<void>;
}

const ENDED: Record<RunEnd, string> = {
  gone: 'the container ended',
  segment: 'its segment ended; recording it again',
  stopped: 'the agent is stopping',
  tracer: 'the tracer ended on its own',
  late: 'the container ended before recording started',
};

/** Whether `err` says the CRI runtime did not answer (the container is tried again once it does). */
function criUnavailable(err: TracewallError): boolean {
  return err.exitCode === 3 && /^no CRI runtime at |did not answer within/.test(err.message);
}

/** Sleep `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** This process's cgroup lines: a container whose id they name is the agent's own, never recorded. */
function ownCgroups(): string {
  try {
    return fs.readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return '';
  }
}

/** The agent's state between polls. */
class Agent {
  readonly #o: AgentOptions;
  readonly #store: RecordingStore;
  readonly #watch: CriWatch;
  readonly #active = new Map<string, Active>();
  /** Containers not to record again while they run (recorded to their end, or not recordable). */
  readonly #done = new Set<string>();
  readonly #waiting = new Map<string, StatusContainer>();
  readonly #own = ownCgroups();
  readonly #startedAt = new Date().toISOString();
  /** The agent's own stop, besides the caller's: a bug in the loop ends the recordings too. */
  readonly #stop = new AbortController();
  readonly #interrupt: { stop: AbortSignal; kill?: AbortSignal };
  readonly capacity: number;
  notRecorded = 0;

  constructor(o: AgentOptions) {
    this.#o = o;
    const stops = o.interrupt.stop ? [o.interrupt.stop, this.#stop.signal] : [this.#stop.signal];
    this.#interrupt = { stop: AbortSignal.any(stops), ...(o.interrupt.kill ? { kill: o.interrupt.kill } : {}) };
    this.#store = new RecordingStore(o.dir, o.say, o.maxMergedRuns);
    this.#watch = new CriWatch(o.endpoint, o.say);
    this.capacity = Math.max(1, Math.min(o.maxContainers, o.recorder.capacity));
  }

  /** Poll, record and report until the stop request; then end and write everything. */
  async run(): Promise<AgentSummary> {
    fs.mkdirSync(this.#o.dir, { recursive: true });
    this.#o.say(this.startLine());
    try {
      await this.loop();
    } catch (err) {
      // a bug: end every recording and write it before giving up
      this.#stop.abort('SIGTERM');
      await this.finish();
      throw err;
    }
    return this.finish();
  }

  private async loop(): Promise<void> {
    const stop = this.#interrupt.stop;
    let nextStatus = Date.now() + this.#o.statusIntervalMs;
    this.report('running', false);
    while (!stop.aborted) {
      const listing = await this.#watch.poll(this.#o.filter);
      if (listing && !stop.aborted) this.schedule(listing.containers);
      if (Date.now() >= nextStatus) {
        this.report('running', true);
        nextStatus = Date.now() + this.#o.statusIntervalMs;
      }
      await pause(Math.min(this.#watch.nextDelayMs, Math.max(0, nextStatus - Date.now())), stop);
    }
  }

  private startLine(): string {
    const f = this.#o.filter;
    const where = f.namespaces.length ? `namespace ${f.namespaces.join(', ')}` : 'every namespace';
    const which = f.selector.length ? ` with labels ${selectorText(f.selector)}` : '';
    const segment = this.#o.segmentMs !== undefined ? `, a new recording every ${this.#o.segmentMs / 1000} s` : '';
    return `watching ${this.#o.endpoint} for pods in ${where}${which}; recording their containers by ${this.#o.recorder.description}, at most ${this.capacity} at once${segment}, into ${this.#o.dir}`;
  }

  private async finish(): Promise<AgentSummary> {
    if (this.#active.size > 0)
      this.#o.say(`stopping: ending ${count(this.#active.size, 'recording')} and writing them`);
    this.report('stopping', false);
    await Promise.all([...this.#active.values()].map((a) => a.done));
    await this.#store.drain();
    await this.#o.recorder.close();
    this.#watch.close();
    this.report('stopped', true);
    const c = this.#store.counts;
    return {
      recordingsWritten: c.recordingsWritten,
      mergesWritten: c.mergesWritten,
      failures: c.failures,
      notRecorded: this.notRecorded,
    };
  }

  /** Start recording the listed containers not yet recorded, as capacity allows; forget those no longer running. */
  private schedule(containers: readonly AgentContainer[]): void {
    const running = new Set(containers.map((c) => c.container.id));
    for (const id of this.#done) if (!running.has(id)) this.#done.delete(id);
    for (const id of this.#waiting.keys()) if (!running.has(id)) this.#waiting.delete(id);
    // those waiting first, longest first: a free slot goes to a container not yet recorded before a new segment
    const order = [...this.#waiting.keys()];
    const rank = (c: AgentContainer): number => {
      const i = order.indexOf(c.container.id);
      return i < 0 ? order.length : i;
    };
    for (const c of [...containers].sort((a, b) => rank(a) - rank(b))) {
      const id = c.container.id;
      if (this.#active.has(id) || this.#done.has(id)) continue;
      const entry = this.entryOf(c);
      if (!entry) continue;
      if (this.#active.size >= this.capacity) {
        if (!this.#waiting.has(id))
          this.#o.say(
            `${c.namespace}/${c.pod}/${c.name} waits: ${count(this.capacity, 'container is', 'containers are')} being recorded (--max-containers); it is recorded from when one ends`,
          );
        this.#waiting.set(id, entry);
        continue;
      }
      this.#waiting.delete(id);
      this.start(c, entry);
    }
  }

  /** The status entry of `c`, or undefined when it is never to be recorded (the agent's own, names unfit for paths). */
  private entryOf(c: AgentContainer): StatusContainer | undefined {
    const id = c.container.id;
    if (this.#own.includes(id)) {
      this.#done.add(id);
      this.#o.say(`not recording ${c.namespace}/${c.pod}/${c.name}: it is the agent's own container`);
      return undefined;
    }
    const w = workloadOf(c.pod, c.sandbox.labels);
    try {
      for (const [v, what] of [
        [c.namespace, 'namespace'],
        [w.name, 'workload'],
        [c.name, 'container'],
        [c.pod, 'pod'],
      ] as const)
        pathSegment(v, what);
    } catch (err) {
      if (!(err instanceof TracewallError)) throw err;
      this.#done.add(id);
      this.notRecorded++;
      this.#o.say(`not recording ${c.namespace}/${c.pod}/${c.name}: ${err.message}`);
      return undefined;
    }
    const base = { namespace: c.namespace, pod: c.pod, container: c.name, containerId: id };
    return { ...base, workload: w.name, workloadKind: w.kind };
  }

  private start(c: AgentContainer, entry: StatusContainer): void {
    const active: Active = { ...entry, done: Promise.resolve() };
    this.#active.set(c.container.id, active);
    active.done = this.recordOne(c, active).finally(() => this.#active.delete(c.container.id));
  }

  /** Record one container to its end (or its segment's, or the agent's), and store what was recorded. */
  private async recordOne(c: AgentContainer, a: Active): Promise<void> {
    const key: WorkloadKey = { namespace: a.namespace, workload: a.workload, container: a.container };
    const what = `${a.namespace}/${a.pod}/${a.container}`;
    try {
      const r = await this.#o.recorder.record(c, {
        name: recordingName(key, a.pod, 1),
        toolVersion: this.#o.toolVersion,
        interrupt: this.#interrupt,
        ...(this.#o.segmentMs !== undefined ? { segmentMs: this.#o.segmentMs } : {}),
        onStart: (pid) => {
          a.since = new Date().toISOString();
          if (pid !== undefined) a.pid = pid;
          this.#o.say(
            `recording ${what} (${a.workloadKind} ${a.workload}${pid !== undefined ? `, init pid ${pid}` : ''})`,
          );
        },
      });
      if (r.ended !== 'segment') this.#done.add(c.container.id);
      if (!r.recording) {
        this.notRecorded++;
        this.#o.say(`${what}: nothing recorded: ${r.notRecorded ?? ENDED[r.ended]}`);
        return;
      }
      const stored = await this.#store.store(key, a.pod, r.recording, this.#o.toolVersion);
      if (stored)
        this.#o.say(
          `${what}: ${ENDED[r.ended]}; wrote ${stored.file}; ${stored.merged} merges ${count(stored.runs, 'run')}`,
        );
    } catch (err) {
      this.failed(c, what, err);
    }
  }

  private failed(c: AgentContainer, what: string, err: unknown): void {
    if (err instanceof TracewallError && criUnavailable(err)) {
      this.#o.say(`${what}: not started (${err.message}); it is tried again when the runtime answers`);
      return;
    }
    this.#done.add(c.container.id);
    this.notRecorded++;
    const why =
      err instanceof TracewallError
        ? err.message
        : `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    this.#o.say(`${what}: not recorded: ${why}`);
  }

  private status(state: AgentStatus['state']): AgentStatus {
    const counts = this.#store.counts;
    const strip = ({ done: _done, ...s }: Active): StatusContainer => s;
    return {
      schemaVersion: 1,
      state,
      startedAt: this.#startedAt,
      updatedAt: new Date().toISOString(),
      toolVersion: this.#o.toolVersion,
      pid: process.pid,
      endpoint: this.#o.endpoint,
      criAvailable: this.#watch.available,
      recorder: this.#o.recorder.description,
      namespaces: [...this.#o.filter.namespaces].sort(),
      selector: selectorText(this.#o.filter.selector),
      limits: {
        maxContainers: this.capacity,
        segmentSeconds: this.#o.segmentMs !== undefined ? this.#o.segmentMs / 1000 : null,
      },
      recording: [...this.#active.values()].map(strip),
      waiting: [...this.#waiting.values()],
      recordingsWritten: counts.recordingsWritten,
      mergesWritten: counts.mergesWritten,
      failures: counts.failures,
      notRecorded: this.notRecorded,
      lost: addLost(counts.lost, this.#o.recorder.liveLost?.()),
      memory: memoryReport(),
    };
  }

  /** Write the status file, and say its line when `line`. */
  private report(state: AgentStatus['state'], line: boolean): void {
    const s = this.status(state);
    try {
      writeStatus(statusFile(this.#o.dir), s);
    } catch (err) {
      if (!(err instanceof TracewallError)) throw err;
      this.#o.say(`the status file was not written: ${err.message}`);
    }
    if (line) this.#o.say(`status: ${statusLine(s, this.#store.counts)}`);
  }
}

/** Run the agent until `o.interrupt.stop` aborts; resolves once every recording is written and nothing is attached. */
export function runAgent(o: AgentOptions): Promise<AgentSummary> {
  return new Agent(o).run();
}
