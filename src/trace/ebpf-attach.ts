// Attaching the eBPF recorder to a process already running (`record --pid`) or a container (`record --container`): the
// loader marks the process, its descendants and all their threads once its programs are attached (new ones are followed
// from their fork; for a container, a process entering its pid namespace later from its next exec); recording
// ends after --duration, at SIGINT/SIGTERM, or when the processes are gone. Nothing traced is stopped or signalled.
import fs from 'node:fs';
import { alive, blockedCalls, processTree, runningLines } from './bpftrace-attach.js';
import type { AttachOptions, AttachResult } from './bpftrace-attach.js';
import { ebpfVersion, loaderArgs, startLoader, type Loader } from './ebpf.js';
import { stopSignal } from './interrupt.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Record until the duration, a stop request, the processes' end or the loader's own end. */
async function recordUntilEnd(loader: Loader, opts: AttachOptions, stopped: () => NodeJS.Signals | null) {
  const deadline = opts.durationMs !== undefined ? Date.now() + opts.durationMs : Infinity;
  for (;;) {
    const signal = stopped();
    if (signal) return { kind: 'signal', signal } as const;
    if (Date.now() >= deadline) return { kind: 'duration' } as const;
    if (![...loader.live].some(alive)) return { kind: 'gone' } as const;
    if (!loader.running()) return { kind: 'tracer' } as const;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
}

/** Record `pid` and its descendants with the eBPF recorder until the duration, a stop request, or their end. */
export async function attachWithEbpf(pid: number, opts: AttachOptions): Promise<AttachResult> {
  const env = opts.env ?? process.env;
  const tracerVersion = ebpfVersion(env);
  const stopped = (): NodeJS.Signals | null => (opts.interrupt?.stop?.aborted ? stopSignal(opts.interrupt.stop) : null);
  // mode 2: the tree; mode 3: a container's init's tree, and later entrants of its pid namespace from their exec
  const mode = opts.pidNamespace !== undefined ? '3' : '2';
  const args = loaderArgs(pid, undefined, {}).map((a, i, all) => (all[i - 1] === '--mode' ? mode : a));
  if (opts.pidNamespace !== undefined) args.push('--pidns', String(opts.pidNamespace));
  const logFd = fs.openSync(opts.logFile, 'w');
  let loader: Loader | undefined;
  try {
    try {
      loader = await startLoader(args, logFd, tracerVersion, opts.attachTimeoutMs, env);
    } catch (err) {
      // the tree ended before the loader could mark it: nothing to record
      if (!alive(pid)) return { tracerVersion, ended: { kind: 'late', attachSeconds: 0 }, seconds: 0, warnings: [] };
      throw err;
    }
    const t0 = process.hrtime.bigint();
    const cancelled = stopped();
    if (cancelled) {
      await loader.stop();
      return { tracerVersion, ended: { kind: 'cancelled', signal: cancelled }, seconds: 0, warnings: [] };
    }
    // What already ran (its threads, executables, users) and the calls it sits in; all of it ends the recording when gone.
    const tree = processTree(pid);
    for (const p of tree) loader.live.add(p);
    loader.note([...runningLines(tree, loader.begun()), ...blockedCalls(tree, loader.begun())]);
    opts.onStart?.();
    const ended = await recordUntilEnd(loader, opts, stopped);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const warnings =
      ended.kind === 'tracer'
        ? [`the ebpf loader ended on its own while recording (${loader.why()}): the recording stops there`]
        : [];
    warnings.push(...(await loader.stop()));
    return { tracerVersion, ended, seconds, warnings };
  } finally {
    await loader?.kill();
    fs.closeSync(logFd);
  }
}
