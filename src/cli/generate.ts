// `tracewall generate`: recordings in, NAME.seccomp.json + NAME.apparmor + NAME.k8s.yaml out (all or nothing).
import path from 'node:path';
import { visible } from '../util/strings.js';
import { loadDockerDefault } from '../util/package-files.js';
import { readRecordingsFor } from './read-recordings.js';
import { writeFilesAtomic } from '../util/atomic.js';
import { checkProfileFlags, renderProfiles, type ProfileFlags } from './profiles.js';
import { convergeRunsFlag, reportCoverage } from './coverage.js';
import { count } from '../util/plural.js';
import type { Recording } from '../recording/types.js';
import { checkOutputDir, makeOutputDir } from './output-dir.js';
import { runtimeLayerReport } from './runtime-report.js';

/** The implied runtime layer, shared with check (see profiles.ts). */
export { impliedRuntime } from './profiles.js';

/** Flags of `generate`. */
export interface GenerateOptions extends ProfileFlags {
  output: string;
  /** Also write the coverage report of the runs as JSON here. */
  coverageJson?: string;
  /** K: the last K runs must add nothing for the runs to have converged (default 3). */
  convergeRuns?: string;
}

/** A warning per recording whose tracer lost events or processes, or cut strings and paths: the profile may lack what they held. */
export function lostNotes(recordings: readonly Recording[]): string[] {
  return recordings.flatMap((r) => {
    const l = r.lost;
    if (!l || l.events + l.processes + l.strings + l.paths === 0) return [];
    const what = [
      l.events ? count(l.events, 'event') + ' lost' : '',
      l.processes ? count(l.processes, 'process', 'processes') + ' not followed' : '',
      l.strings ? count(l.strings, 'string') + ' cut short' : '',
      l.paths ? count(l.paths, 'path') + ' cut short' : '',
    ].filter(Boolean);
    return [
      `tracewall: warning: ${r.name}: the ${r.tracer.name} tracer counted ${what.join(', ')} while recording: the profile may be incomplete (record again with a larger ring buffer or a lighter load, or merge another run)`,
    ];
  });
}

/**
 * Runs the verb; resolves to the exit status. With several runs it also prints their coverage report; always the
 * convergence verdict, with a warning when the runs have not converged.
 */
export async function generateCommand(
  files: string[],
  opts: GenerateOptions,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  const settings = checkProfileFlags(opts);
  const convergeRuns = convergeRunsFlag(opts.convergeRuns);
  checkOutputDir('-o', opts.output);
  const recordings = readRecordingsFor('generate', files);
  const {
    name,
    runtime,
    layer,
    files: rendered,
    summary: s,
  } = renderProfiles(recordings, {
    ...settings,
    dockerDefault: loadDockerDefault(),
  });
  const written = rendered.map((f) => ({ file: path.join(opts.output, f.file), data: f.data }));
  makeOutputDir('-o', opts.output);
  writeFilesAtomic(written);
  const lines = [
    `tracewall: ${name}: seccomp allows ${count(s.allowedSyscalls, 'syscall')} (${s.appSyscalls} observed + ${s.runtimeSyscalls} ${runtime} runtime layer); Docker's default allows ${s.dockerDefaultAllowed}`,
    ...runtimeLayerReport(recordings, layer, {
      format: settings.format,
      ...(settings.runtime === undefined ? {} : { runtime: settings.runtime }),
      ...(settings.noNewPrivileges === undefined ? {} : { noNewPrivileges: settings.noNewPrivileges }),
    }).map((l) => `tracewall: ${l}`),
    ...written.map((w) => `tracewall: wrote ${w.file}`),
    // Notes quote paths and warnings the traced workload chose: control and bidi characters become visible escapes.
    ...s.notes.map((n: string) => `tracewall: ${visible(n)}`),
    ...lostNotes(recordings),
  ];
  stderr(lines.join('\n') + '\n');
  reportCoverage(recordings, {
    minRuns: 2,
    warn: true,
    write: stderr,
    ...(convergeRuns === undefined ? {} : { convergeRuns }),
    ...(opts.coverageJson === undefined ? {} : { jsonFile: opts.coverageJson }),
  });
  return 0;
}
