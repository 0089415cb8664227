// What a tracer reports while it runs, for the CLI to show: that the workload is being traced, and how far it got.
import fs from 'node:fs';

/** A tracer's progress. `calls` counts what the tracer has logged so far (strace: its log lines). */
export type TraceProgress =
  | { kind: 'tracing'; tracer: string; version: string }
  | { kind: 'calls'; count: number }
  /** A step that is not tracing (verify: the container stops, the kernel's records are read). */
  | { kind: 'step'; text: string };

/** Called with each progress event. */
export type ProgressSink = (e: TraceProgress) => void;

/**
 * Count the lines of a growing log once a second and report them; stop() ends it. Reads only what was added since the
 * last look, so the cost follows the log's growth, not its size.
 */
export function countLogLines(file: string, sink: ProgressSink, everyMs = 1000): { stop(): void } {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 16);
  const look = (): void => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (
        let n = fs.readSync(fd, buf, 0, buf.length, offset);
        n > 0;
        n = fs.readSync(fd, buf, 0, buf.length, offset)
      ) {
        for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
        offset += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    sink({ kind: 'calls', count: lines });
  };
  const timer = setInterval(look, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
