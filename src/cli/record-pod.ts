// `record --pod NAMESPACE/NAME [--container NAME]`: find the pod's running containers through the CRI by the kubelet's
// labels, attach to each with bpftrace until --duration, a signal or the pod's end, and write one recording per
// container: -o is the file when one container is recorded, a directory (CONTAINER.recording.json) otherwise.
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { CriClient, chooseEndpoint } from '../cri/client.js';
import {
  criRuntimeName,
  describeCriContainer,
  findPodSandbox,
  parsePodRef,
  runningContainers,
} from '../cri/containers.js';
import { criFound, recordAttached, type Found } from '../record/attach.js';
import { attachTracer } from './tracer-choice.js';
import { checkName } from './options.js';
import { checkOutputDir, makeOutputDir } from './output-dir.js';
import { signalInterruption } from './signals.js';
import { outputFile, type RecordOptions } from './record.js';
import { durationMs, report, strayFlag } from './record-attach.js';

/** The pod's running containers (only --container when given), found and checked for attaching. */
async function findPod(opts: RecordOptions): Promise<Found[]> {
  const { namespace, name } = parsePodRef(opts.pod!);
  const cri = CriClient.connect(chooseEndpoint(opts.runtimeEndpoint));
  try {
    const runtime = await criRuntimeName(cri);
    const sandbox = await findPodSandbox(cri, namespace, name);
    const found: Found[] = [];
    for (const c of await runningContainers(cri, sandbox, opts.container))
      found.push(criFound(await describeCriContainer(cri, sandbox, c, runtime)));
    return found;
  } finally {
    cri.close();
  }
}

/** Where each recording goes: -o itself for one container, -o/CONTAINER.recording.json for several. */
function outputs(found: Found[], opts: RecordOptions): Array<{ found: Found; name: string; file: string }> {
  if (found.length === 1) {
    const f = found[0]!;
    const name = opts.name !== undefined ? checkName('--name', opts.name) : f.defaultName;
    return [{ found: f, name, file: outputFile(opts.output, name) }];
  }
  if (opts.name !== undefined)
    throw badInput(`--name names one recording; pod ${opts.pod} has ${found.length} running containers`);
  if (opts.keepLog !== undefined)
    throw badInput(`--keep-log keeps one log; pod ${opts.pod} has ${found.length} running containers`);
  const dir = opts.output ?? found[0]!.defaultName.replace(/-[^-]*$/, '');
  checkOutputDir('-o', dir);
  makeOutputDir('-o', dir);
  return found.map((f) => {
    const container = f.target.kind === 'cri' ? f.target.container : f.defaultName;
    return { found: f, name: f.defaultName, file: path.join(dir, `${container}.recording.json`) };
  });
}

/** `record --pod NS/NAME`: attach to every selected container at once; the exit status is the worst of theirs. */
export async function recordPodCommand(
  command: string[],
  opts: RecordOptions,
  tracer: 'strace' | 'bpftrace' | 'ebpf' | 'auto',
): Promise<number> {
  const other = strayFlag(command, opts) || (opts.engine !== undefined ? '--engine' : '');
  if (other) throw badInput(`record --pod attaches to a pod already running; it takes no ${other}`);
  if (tracer === 'strace')
    throw badInput(
      'record --pod attaches with ebpf or bpftrace only (strace -p cannot follow the children a process already has); use --tracer ebpf, bpftrace or auto',
    );
  const duration = durationMs(opts.duration);
  const targets = outputs(await findPod(opts), opts);
  const chosen = attachTracer(tracer, (line) => process.stderr.write(line));
  const interrupt = signalInterruption();
  let attached = 0;
  try {
    const results = await Promise.all(
      targets.map(async (t) => {
        process.stderr.write(`tracewall: attaching to ${t.found.what}\n`);
        const r = await recordAttached(t.found, chosen, {
          name: t.name,
          toolVersion: TOOL_VERSION,
          interrupt,
          onStart: () => {
            if (++attached < targets.length) return;
            const until =
              duration !== undefined ? `for ${duration / 1000} s` : 'until SIGINT (Ctrl-C), SIGTERM or the pod ends';
            process.stderr.write(`tracewall: probes attached to ${targets.length} container(s); recording ${until}\n`);
          },
          ...(duration !== undefined ? { durationMs: duration } : {}),
          ...(opts.keepLog ? { keepLog: opts.keepLog } : {}),
        });
        return { t, r };
      }),
    );
    let status = 0;
    const failures: string[] = [];
    for (const { t, r } of results) {
      try {
        status = Math.max(status, report(r, t.found, t.file, chosen));
      } catch (err) {
        if (!(err instanceof TracewallError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length) throw new TracewallError(3, failures.join('; '));
    return status;
  } finally {
    interrupt.dispose();
  }
}
