// `tracewall generate`: recordings in, NAME.seccomp.json + NAME.apparmor + NAME.k8s.yaml out (all or nothing).
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { oneOf, checkName } from './options.js';
import { readRecording } from '../recording/io.js';
import { buildPolicy } from '../analyze/policy.js';
import { renderAll } from '../render/index.js';
import { writeFilesAtomic } from '../util/atomic.js';
import { fromRoot } from '../util/paths.js';
import type { Recording } from '../recording/types.js';

export interface GenerateOptions {
  output: string;
  name?: string;
  format: string;
  runtime?: string;
  defaultAction: string;
  apparmorAnnotation?: boolean;
}

/** The runtime layer the recordings imply: the bundle runtime they share, else none. */
export function impliedRuntime(recordings: Recording[]): 'crun' | 'runc' | 'none' {
  const runtimes = new Set(recordings.map((r) => (r.target.kind === 'bundle' ? r.target.runtime : 'none')));
  const [only] = [...runtimes];
  return runtimes.size === 1 && only ? only : 'none';
}

/** Runs the verb; resolves to the exit status. */
export async function generateCommand(files: string[], opts: GenerateOptions): Promise<number> {
  const format = oneOf('--format', opts.format, ['docker', 'oci', 'spo'] as const);
  const defaultAction = oneOf('--default-action', opts.defaultAction, ['errno', 'kill-process', 'log'] as const);
  const runtimeFlag = opts.runtime === undefined ? undefined : oneOf('--runtime', opts.runtime, ['crun', 'runc', 'none'] as const);
  if (!fs.existsSync(opts.output) || !fs.statSync(opts.output).isDirectory()) {
    throw badInput(`-o ${opts.output}: not a directory (create it first)`);
  }
  const recordings = files.map((f) => readRecording(f));
  const name = opts.name !== undefined ? checkName('--name', opts.name) : recordings[0]!.name;
  const runtime = runtimeFlag ?? impliedRuntime(recordings);
  const policy = buildPolicy(recordings, { name, runtime });
  const out = renderAll(policy, {
    format,
    defaultAction,
    apparmorAnnotation: Boolean(opts.apparmorAnnotation),
    dockerDefaultPath: fromRoot('src', 'validate', 'schemas', 'docker-default-seccomp.json'),
  });
  const base = path.join(opts.output, name);
  const written = [
    { file: `${base}.seccomp.${format === 'spo' ? 'yaml' : 'json'}`, data: out.seccomp },
    { file: `${base}.apparmor`, data: out.apparmor },
    { file: `${base}.k8s.yaml`, data: out.k8s },
  ];
  writeFilesAtomic(written);
  const s = out.summary;
  const lines = [
    `tracewall: ${name}: seccomp allows ${s.allowedSyscalls} syscalls (${s.appSyscalls} observed + ${s.runtimeSyscalls} ${runtime} runtime layer); Docker's default allows ${s.dockerDefaultAllowed}`,
    ...(runtime === 'none' ? ['tracewall: note: no runtime layer; to run this profile in a container, pass --runtime crun or --runtime runc'] : []),
    ...written.map((w) => `tracewall: wrote ${w.file}`),
    ...s.notes.map((n: string) => `tracewall: ${n}`),
  ];
  process.stderr.write(lines.join('\n') + '\n');
  return 0;
}
