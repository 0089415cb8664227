// The busybox web container (crun) recorded with bpftrace and with strace: the same application, from the
// entrypoint's exec on, with the same syscalls, files, executables and network; none of the runtime's own work.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';
import { needBuild, tracewall } from '../e2e/helpers.js';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { BUSYBOX_WEB_OUTPUT as EXPECTED, BUSYBOX_WEB_WORKLOAD as WORKLOAD } from '../../src/examples/workloads.js';

const why = needRoot('crun', 'strace') ?? bpftraceBlocker() ?? needBuild();
if (why) console.warn(`skipped bpftrace container test: ${why}`);

describe.skipIf(why)('busybox container under crun: bpftrace and strace agree', () => {
  let tmp: string;
  const rec: Partial<Record<'bpftrace' | 'strace', Recording>> = {};

  beforeAll(async () => {
    tmp = makeTemp();
    const bundle = path.join(tmp, 'bundle');
    makeBusyboxBundle(bundle, { args: ['/bin/sh', '-c', WORKLOAD] });
    for (const tracer of ['bpftrace', 'strace'] as const) {
      const out = path.join(tmp, `${tracer}.json`);
      const r = await tracewall(['record', '--tracer', tracer, '--bundle', bundle, '--runtime', 'crun', '-o', out]);
      expect(r.stdout).toBe(EXPECTED);
      expect(r.exitCode, r.stderr).toBe(0);
      rec[tracer] = readRecording(out);
    }
  });
  afterAll(() => rmTemp(tmp));

  it('records the application only, from the entrypoint on', () => {
    const b = rec.bpftrace!;
    expect(b.tracer.name).toBe('bpftrace');
    expect(b.termination).toEqual({ kind: 'exit', code: 0 });
    expect(b.executables.some((e) => /crun|runc|unshare/.test(e.path))).toBe(false);
    for (const s of ['pivot_root', 'mount', 'seccomp', 'unshare']) expect(b.syscalls.x86_64?.[s]).toBeUndefined();
  });

  it('has the same syscalls, argument facts, files, executables, network and identity as strace', () => {
    const b = rec.bpftrace!;
    const s = rec.strace!;
    const strip = (r: Recording) => ({
      syscalls: Object.fromEntries(Object.entries(r.syscalls.x86_64 ?? {}).map(([k, f]) => [k, f.args ?? {}])),
      files: r.files,
      executables: r.executables,
      network: r.network,
      identity: r.identity,
    });
    expect(strip(b)).toEqual(strip(s));
  });
});
