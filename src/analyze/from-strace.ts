// An strace log → Recording: the log parser's events, through the strace adapter's operations, into the builder.
import type { Recording } from '../recording/types.js';
import { StraceParser, feedChunks } from '../parse/strace.js';
import { StraceAdapter, type StraceOpsOptions } from '../parse/strace-ops.js';
import { RecordingBuilder, type RecordingMeta } from './builder.js';

/** What an strace log's Recording needs besides the log. */
export type StraceMeta = RecordingMeta & StraceOpsOptions;

/** Build a Recording from log text delivered in pieces (a file read in chunks); pure apart from iterating. */
export function recordingFromStraceChunks(chunks: Iterable<string>, meta: StraceMeta): Recording {
  const { foreignArch, table, ...rest } = meta;
  const builder = new RecordingBuilder({ ...rest, tracer: 'strace' });
  const adapter = new StraceAdapter((o) => builder.op(o), {
    ...(foreignArch ? { foreignArch } : {}),
    ...(table ? { table } : {}),
  });
  const parser = new StraceParser((e) => adapter.event(e));
  feedChunks(parser, chunks);
  const warnings = parser.finish();
  adapter.finish();
  return builder.finish({ warnings, firstTime: parser.firstTime, lastTime: parser.lastTime });
}

/** Build the Recording of one strace log. Deterministic: the same text gives the same Recording. */
export function recordingFromStrace(text: string, meta: StraceMeta): Recording {
  return recordingFromStraceChunks([text], meta);
}
