// Reading the recordings a verb was given; a profile or YAML given instead is named, with what the verb takes.
import { badInput } from '../errors.js';
import { notRecordingKind, readRecording } from '../recording/io.js';
import type { Recording } from '../recording/types.js';

/** The recordings in `files`, for `verb` (generate, merge, check); "that is a seccomp profile, generate takes recordings". */
export function readRecordingsFor(verb: string, files: readonly string[]): Recording[] {
  return files.map((file) => {
    try {
      return readRecording(file);
    } catch (err) {
      if (notRecordingKind(err) === undefined) throw err;
      const hint = verb === 'check' ? '; the committed profiles go in --profiles DIR' : '';
      throw badInput(
        `${(err as Error).message}: ${verb} takes recordings (what \`tracewall record\` writes)${hint}`,
        err,
      );
    }
  });
}
