// `record --node --duration S -o DIR`: every container that runs on this host during the window, recorded by the eBPF
// recorder's node mode, one recording per container in DIR (ENGINE/NAME or NAMESPACE/POD/CONTAINER .recording.json).
import path from 'node:path';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { writeRecording } from '../recording/io.js';
import { recordNode } from '../record/node.js';
import { ringbufFromEnv } from '../trace/ebpf.js';
import { checkOutputDir, makeOutputDir } from './output-dir.js';
import { signalInterruption } from './signals.js';
import { summarize } from './record-summary.js';
import { durationMs, strayFlag } from './record-attach.js';
import type { RecordOptions } from './record.js';

/** `record --node`: exit 0 with every recording written (also after Ctrl-C), 3 when the tracer failed. */
export async function recordNodeCommand(command: string[], opts: RecordOptions, tracer = 'ebpf'): Promise<number> {
  if (tracer !== 'ebpf' && tracer !== 'auto')
    throw badInput(`record --node records with the ebpf tracer only (every container by its cgroup), not ${tracer}`);
  const other =
    strayFlag(command, opts) ||
    [
      [opts.pid, '--pid'],
      [opts.container, '--container'],
      [opts.pod, '--pod'],
      [opts.name, '--name'],
      [opts.keepLog, '--keep-log'],
      [opts.engine, '--engine'],
    ].find(([v]) => v !== undefined)?.[1];
  if (other) throw badInput(`record --node records every container of this host; it takes no ${other}`);
  if (opts.output === undefined)
    throw badInput('record --node writes one recording per container: name a directory with -o');
  checkOutputDir('-o', opts.output);
  const duration = durationMs(opts.duration);
  const dir = opts.output;
  const ringbuf = ringbufFromEnv(process.env);
  const interrupt = signalInterruption();
  try {
    const { recordings, lost } = await recordNode({
      toolVersion: TOOL_VERSION,
      stop: interrupt.stop,
      ...(duration !== undefined ? { durationMs: duration } : {}),
      ...(opts.runtimeEndpoint ? { endpoint: opts.runtimeEndpoint } : {}),
      ...(ringbuf !== undefined ? { recorder: { ringbufBytes: ringbuf } } : {}),
      onStart: () => {
        const until = duration !== undefined ? `for ${duration / 1000} s` : 'until SIGINT (Ctrl-C) or SIGTERM';
        process.stderr.write(`tracewall: recording every container of this host ${until}\n`);
      },
      onCgroup: (c) => process.stderr.write(`tracewall: container cgroup ${c.path || c.id}\n`),
    });
    makeOutputDir('-o', dir);
    const used = new Set<string>();
    for (const r of recordings) {
      let file = path.join(dir, `${r.file}.recording.json`);
      for (let n = 2; used.has(file); n++) file = path.join(dir, `${r.file}-${n}.recording.json`);
      used.add(file);
      makeOutputDir('-o', path.dirname(file));
      writeRecording(file, r.recording);
      process.stderr.write(summarize(r.recording, file));
    }
    const lostAll = lost.events + lost.processes + lost.counts + lost.cgroups;
    if (lost.cgroups > 0)
      process.stderr.write(
        `tracewall: warning: ${lost.cgroups} container cgroup(s) were not recorded (the map of cgroups was full)\n`,
      );
    process.stderr.write(
      `tracewall: ${recordings.length} container(s) recorded${lostAll ? " (with losses: see each recording's warnings)" : ''}\n`,
    );
    return 0;
  } finally {
    interrupt.dispose();
  }
}
