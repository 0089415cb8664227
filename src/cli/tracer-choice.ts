// Which tracer a record verb uses when the user did not say, and what `auto` takes when attaching.
import { ebpfBlocker } from '../trace/ebpf.js';
import { bpftraceBlocker } from '../trace/bpftrace-check.js';
import { bpftraceTracer, ebpfTracer, type Tracer } from '../record/tracer.js';
import { toolMissing } from '../errors.js';

export type TracerChoice = 'strace' | 'bpftrace' | 'ebpf' | 'auto';

/**
 * The default --tracer: docker/podman run their runtime under strace (the wrapper runtime), so strace; attaching
 * needs a kernel tracer, so auto; anything else auto for root (the kernel tracers cost far less), strace otherwise.
 */
export function defaultTracer(kind: 'launch' | 'engine' | 'attach', euid: number): TracerChoice {
  if (kind === 'engine') return 'strace';
  if (kind === 'attach') return 'auto';
  return euid === 0 ? 'auto' : 'strace';
}

/**
 * The tracer that attaches: ebpf or bpftrace as asked (toolMissing, exit 3, with the reason when it cannot run here), and
 * for auto the ebpf tracer where it can run, else bpftrace; `say` is told which auto took and why.
 */
export function attachTracer(choice: 'bpftrace' | 'ebpf' | 'auto', say: (line: string) => void): Tracer {
  if (choice !== 'auto') {
    const why = choice === 'ebpf' ? ebpfBlocker() : bpftraceBlocker();
    if (why !== null) throw toolMissing(why);
    return choice === 'ebpf' ? ebpfTracer : bpftraceTracer;
  }
  const blocker = ebpfBlocker();
  if (blocker === null) {
    say('tracewall: --tracer auto: attaching with ebpf (it can run here)\n');
    return ebpfTracer;
  }
  const why = bpftraceBlocker();
  if (why !== null) throw toolMissing(`no tracer can attach here: not ebpf (${blocker}), not bpftrace (${why})`);
  say(`tracewall: --tracer auto: attaching with bpftrace (not ebpf: ${blocker})\n`);
  return bpftraceTracer;
}
