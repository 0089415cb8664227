// tracewall's eBPF loader stream (src/trace/ebpf/loader.c) → the records of a bpftrace log, and what the kernel counted
// as lost. The loader prints the line grammar of tracewall's bpftrace program (see src/trace/bpftrace/tracewall.bt), so
// the bpftrace parser and adapter serve both; this adds the header and the LOST lines. Pure.
import type { LostCounts } from '../recording/types.js';
import { parseBpftraceLog, type BpftraceLog } from './bpftrace.js';

/** The first line of every log tracewall writes for the ebpf tracer; `record --from-log` recognises a log by it. */
export const EBPF_LOG_HEADER = '# tracewall ebpf log v1';

/** The loader's loss counters (LOST lines) by the names the Recording uses (`counts`: node mode only). */
const LOST_NAMES: Record<string, keyof LostCounts> = {
  ringbuf: 'events',
  tasks: 'processes',
  strings: 'strings',
  paths: 'paths',
  counts: 'counts',
};

/** A parsed ebpf log: the bpftrace-shaped log, and the losses (null when the loader never printed them: it died). */
export interface EbpfLog {
  log: BpftraceLog;
  lost: LostCounts | null;
}

/** Parse an ebpf log. Unknown lines are counted in a warning (by the bpftrace parser), never fatal. */
export function parseEbpfLog(text: string): EbpfLog {
  const kept: string[] = [];
  let lost: LostCounts | null = null;
  for (const line of text.split('\n')) {
    const m = /^LOST ([a-z]+) (\d+)$/.exec(line);
    if (m && LOST_NAMES[m[1]!]) {
      lost ??= { events: 0, processes: 0, strings: 0, paths: 0 };
      const kind = LOST_NAMES[m[1]!]!;
      // syscalls not counted: only when some were (the field is the node mode's; absent means none)
      if (kind !== 'counts' || Number(m[2]) > 0) lost[kind] = (lost[kind] ?? 0) + Number(m[2]);
    } else if (line !== EBPF_LOG_HEADER) kept.push(line);
  }
  return { log: parseBpftraceLog(kept.join('\n')), lost };
}

/** The warnings the losses call for: what is missing and what to do about it. */
export function lostWarnings(lost: LostCounts | null): string[] {
  if (!lost) return [];
  const out: string[] = [];
  if (lost.events > 0)
    out.push(
      `the ebpf tracer lost ${lost.events} event${lost.events === 1 ? '' : 's'} (its ring buffer was full): files, execs or network facts may be missing; record again with a larger ring buffer (TRACEWALL_EBPF_RINGBUF) or a lighter load`,
    );
  if ((lost.counts ?? 0) > 0)
    out.push(
      `the ebpf tracer could not count ${lost.counts} call${lost.counts === 1 ? '' : 's'} (its map of counts per container was full): the syscall list may be incomplete; record again with fewer containers at once`,
    );
  if (lost.processes > 0)
    out.push(
      `the ebpf tracer could not follow ${lost.processes} new process${lost.processes === 1 ? '' : 'es'} (no memory for its state): their calls are missing`,
    );
  return out;
}
