// tracewall's bpftrace log → Recording: the log's records, through the bpftrace adapter's operations, into the builder.
import type { Recording } from '../recording/types.js';
import { parseBpftraceLog } from '../parse/bpftrace.js';
import { bpftraceOps } from '../parse/bpftrace-ops.js';
import type { SemanticsTable } from '../syscalls/semantics.js';
import { RecordingBuilder, type RecordingMeta } from './builder.js';

/** What a bpftrace log's Recording needs besides the log (the program itself starts at the entrypoint). */
export type BpftraceMeta = Omit<RecordingMeta, 'startAt' | 'tracer'> & { table?: SemanticsTable };

/** Build the Recording of one tracewall bpftrace log. Deterministic: the same text gives the same Recording. */
export function recordingFromBpftrace(text: string, meta: BpftraceMeta): Recording {
  const { table, ...rest } = meta;
  const builder = new RecordingBuilder({ ...rest, tracer: 'bpftrace' });
  const r = bpftraceOps(parseBpftraceLog(text), (o) => builder.op(o), table);
  return builder.finish(r);
}
