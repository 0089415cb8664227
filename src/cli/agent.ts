// `tracewall agent`: the node daemon. Checks the flags, picks the tracer, turns SIGTERM/SIGINT into the agent's stop
// request, runs the agent (src/agent/) until then and prints its news on stderr; exit 0 once everything is written.
import path from 'node:path';
import { badInput, toolMissing } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { chooseEndpoint } from '../cri/client.js';
import { runAgent } from '../agent/agent.js';
import { attachRecorder } from '../agent/recorder.js';
import { NODE_CAPACITY, startNodeAgentRecorder } from '../agent/node-recorder.js';
import { ebpfBlocker, ringbufFromEnv } from '../trace/ebpf.js';
import { DEFAULT_MAX_MERGED_RUNS } from '../agent/store.js';
import { checkNamespace, parseSelector, type Requirement } from '../agent/selector.js';
import { attachTracer } from './tracer-choice.js';
import { checkAttachHost } from '../trace/bpftrace-attach.js';
import { oneOf } from './options.js';
import { checkOutputDir, makeOutputDir } from './output-dir.js';
import { signalInterruption } from './signals.js';
import { count } from '../util/plural.js';

/** The DaemonSet's hostPath. */
export const DEFAULT_AGENT_DIR = '/var/lib/tracewall/agent';

/** Flags of `agent`. */
export interface AgentFlags {
  namespace?: string[];
  selector?: string[];
  runtimeEndpoint?: string;
  outputDir?: string;
  tracer?: string;
  statusInterval?: string;
  maxContainers?: string;
  segment?: string;
  maxMergedRuns?: string;
  mode?: string;
}

/**
 * Containers recorded at once by default, per tracer: each attached container costs one tracer process, measured here
 * (README "On Kubernetes"): bpftrace about 115 MiB of RSS and 5 s of CPU to compile and load its program, so 8 stay
 * under 1 GiB; the ebpf loader about 11 MiB, so 64 stay under 1 GiB too.
 */
export const DEFAULT_MAX_CONTAINERS = { bpftrace: 8, ebpf: 64 } as const;

/** A whole number of seconds (or a count) within [min, max]; badInput naming the flag otherwise. */
function whole(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw badInput(`${flag} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** A --namespace value, checked; the message names the flag. */
function namespaceFlag(ns: string): string {
  try {
    return checkNamespace(ns);
  } catch (err) {
    throw badInput(`--${(err as Error).message}`, err);
  }
}

/** Each --selector, parsed (several: all must hold). */
function selectors(texts: readonly string[]): Requirement[] {
  return texts.flatMap((t) => {
    try {
      return parseSelector(t);
    } catch (err) {
      throw badInput(`--selector ${(err as Error).message.replace(/^label selector /, '')}`, err);
    }
  });
}

/** The agent's numbers and directory from the flags, checked before anything is looked at. */
function numbers(flags: AgentFlags) {
  const segment = flags.segment !== undefined ? whole('--segment', flags.segment, 0, 7 * 86_400) : 3600;
  return {
    dir: path.resolve(flags.outputDir ?? DEFAULT_AGENT_DIR),
    statusIntervalMs: whole('--status-interval', flags.statusInterval ?? '60', 1, 86_400) * 1000,
    ...(segment > 0 ? { segmentMs: segment * 1000 } : {}),
    maxContainers:
      flags.maxContainers !== undefined ? whole('--max-containers', flags.maxContainers, 1, 4096) : undefined,
    maxMergedRuns:
      flags.maxMergedRuns !== undefined
        ? whole('--max-merged-runs', flags.maxMergedRuns, 2, 100_000)
        : DEFAULT_MAX_MERGED_RUNS,
  };
}

/** The recorder and the agent's options from the flags: the flags first, then the host, the tracer, the directory. */
function configure(flags: AgentFlags) {
  const n = numbers(flags);
  const choice = oneOf('--tracer', flags.tracer ?? 'auto', ['auto', 'ebpf', 'bpftrace'] as const);
  const mode = oneOf('--mode', flags.mode ?? 'attach', ['attach', 'node'] as const);
  if (mode === 'node' && choice === 'bpftrace')
    throw badInput(
      '--mode node records with the ebpf tracer only (every container by its cgroup), not --tracer bpftrace',
    );
  checkOutputDir('--output-dir', n.dir);
  checkAttachHost();
  if (mode === 'node') {
    const blocker = ebpfBlocker();
    if (blocker) throw toolMissing(`--mode node: ${blocker}`);
    makeOutputDir('--output-dir', n.dir);
    const ringbuf = ringbufFromEnv(process.env);
    return {
      ...n,
      maxContainers: n.maxContainers ?? NODE_CAPACITY,
      recorder: () => startNodeAgentRecorder(ringbuf !== undefined ? { ringbufBytes: ringbuf } : {}),
    };
  }
  const tracer = attachTracer(choice, (line) => process.stderr.write(line));
  const maxContainers = n.maxContainers ?? DEFAULT_MAX_CONTAINERS[tracer.name as 'ebpf' | 'bpftrace'];
  makeOutputDir('--output-dir', n.dir);
  const recorder = attachRecorder(tracer, maxContainers);
  return { ...n, maxContainers, recorder: () => Promise.resolve(recorder) };
}

/** Runs the verb until SIGTERM or SIGINT; resolves to 0 once every recording is written and nothing is attached. */
export async function agentCommand(flags: AgentFlags): Promise<number> {
  const namespaces = [...new Set((flags.namespace ?? []).map(namespaceFlag))];
  const selector = selectors(flags.selector ?? []);
  const endpoint = chooseEndpoint(flags.runtimeEndpoint);
  const { recorder, ...c } = configure(flags);
  const say = (line: string): void => void process.stderr.write(`tracewall: agent: ${line}\n`);
  const interrupt = signalInterruption();
  try {
    const s = await runAgent({
      ...c,
      // the node mode's loader starts now, before the agent watches: pods created from then on are recorded whole
      recorder: await recorder(),
      endpoint,
      filter: { namespaces, selector },
      toolVersion: TOOL_VERSION,
      interrupt,
      say,
    });
    say(
      `stopped: ${count(s.recordingsWritten, 'recording')} written, ${count(s.mergesWritten, 'merged recording')} updated` +
        (s.failures || s.notRecorded ? `, ${s.failures} failed to write, ${s.notRecorded} not recorded` : ''),
    );
    return 0;
  } finally {
    interrupt.dispose();
  }
}
