// Rebuilding a Recording from a log tracewall kept (`record --keep-log`, then `record --from-log`): the same log gives
// the same bytes, including the tracer's version, which tracewall writes into the log itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';
import type { Recording, Target } from '../recording/types.js';
import { recordingFromStrace } from '../analyze/from-strace.js';
import { recordingFromBpftrace } from '../analyze/from-bpftrace.js';
import { recordingFromEbpf } from '../analyze/from-ebpf.js';
import { EBPF_LOG_HEADER } from '../parse/ebpf.js';
import { resolveExecs } from '../analyze/exec-resolve.js';
import { BPFTRACE_LOG_HEADER } from '../parse/bpftrace.js';
import { bundleExecLookup } from '../trace/exec-lookup.js';
import { readBundle, runtimeVersion } from '../trace/bundle.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import { logTracerVersion, straceArgs } from '../trace/strace.js';
import { quoteForMessage } from '../util/strings.js';
import { bundleTarget } from './record.js';

/** Why a log gave no system calls, naming its first line: empty, or not strace output as tracewall makes it. */
function noCallsReason(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('# tracewall: '));
  if (at < 0) return 'the log is empty: there are no system calls to record';
  const first = lines[at]!.length > 80 ? `${lines[at]!.slice(0, 80)}...` : lines[at]!;
  return `no system call found: expected an strace log made with tracewall's flags (strace ${straceArgs('FILE').join(' ')} -- COMMAND); line ${at + 1} is ${quoteForMessage(first)}`;
}

/** What a log's Recording is told besides the log. */
export interface FromLogOptions {
  name: string;
  toolVersion: string;
  /** The bundle the log was made from: it says where the application starts and resolves executed paths. */
  bundle?: string;
  runtime: RuntimeName;
}

/** A refusal of the log (another architecture, no calls) names the file. */
function naming<T>(file: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof TracewallError) throw badInput(`${file}: ${err.message}`, err);
    throw err;
  }
}

/** The Recording of a kept strace, bpftrace or ebpf log. */
export async function recordingFromLog(file: string, o: FromLogOptions): Promise<Recording> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read: ${(err as Error).message}`, err);
  }
  const bundle = o.bundle ? readBundle(o.bundle) : undefined;
  const target: Target = bundle
    ? bundleTarget(bundle, o.runtime, await runtimeVersion(o.runtime))
    : { kind: 'log', file: path.basename(file) };
  const meta = {
    name: o.name,
    toolVersion: o.toolVersion,
    kernel: os.release(),
    tracerVersion: logTracerVersion(text) ?? 'unknown',
    target,
    initialCwd: bundle?.cwd ?? '/',
    initialUid: bundle?.uid ?? 0,
    initialGid: bundle?.gid ?? 0,
  };
  let rec: Recording;
  if (text.startsWith(`${BPFTRACE_LOG_HEADER}\n`)) rec = recordingFromBpftrace(text, meta);
  else if (text.startsWith(`${EBPF_LOG_HEADER}\n`)) rec = recordingFromEbpf(text, meta);
  else {
    const startAt = bundle ? { startAt: { argv: bundle.argv } } : {};
    rec = naming(file, () => recordingFromStrace(text, { ...meta, ...startAt, foreignArch: 'refuse' }));
    if (!bundle && Object.keys(rec.syscalls).length === 0) throw badInput(`${file}: ${noCallsReason(text)}`);
  }
  return bundle ? resolveExecs(rec, bundleExecLookup(bundle)) : rec;
}
