// tracewall's ebpf log → Recording: the loader's records through the bpftrace adapter into the builder, with the
// losses the kernel counted.
import type { Recording } from '../recording/types.js';
import { lostWarnings, parseEbpfLog } from '../parse/ebpf.js';
import { bpftraceOps } from '../parse/bpftrace-ops.js';
import { RecordingBuilder } from './builder.js';
import type { BpftraceMeta } from './from-bpftrace.js';

/** Build the Recording of one tracewall ebpf log. Deterministic: the same text gives the same Recording. */
export function recordingFromEbpf(text: string, meta: BpftraceMeta): Recording {
  const { table, ...rest } = meta;
  const parsed = parseEbpfLog(text);
  const builder = new RecordingBuilder({ ...rest, tracer: 'ebpf' });
  const r = bpftraceOps(parsed.log, (o) => builder.op(o), table, 'ebpf');
  const rec = builder.finish({ ...r, warnings: [...r.warnings, ...lostWarnings(parsed.lost)] });
  return parsed.lost ? { ...rec, lost: parsed.lost } : rec;
}
