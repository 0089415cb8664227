// `tracewall agent`'s flags through bin/tracewall: every bad value is refused (exit 2) naming the flag, before the
// agent looks at the host, the tracers or the CRI; a file where the output directory should be is refused untouched.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, NOT_BUILT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

describe.skipIf(NOT_BUILT)('agent flags', () => {
  it.each([
    [
      ['--selector', 'app in (web)'],
      /^tracewall: --selector "app in \(web\)": set-based requirements \(in, notin\) are not supported/,
    ],
    [['--selector', 'app=web,,x'], /^tracewall: --selector "app=web,,x": an empty requirement/],
    [
      ['--selector', 'app=we b'],
      /^tracewall: --selector "app=we b": "we b" \(the value for app\) is not a label value/,
    ],
    [['--namespace', 'Staging'], /^tracewall: --namespace "Staging" is not a Kubernetes namespace name/],
    [
      ['--runtime-endpoint', 'tcp://x:1'],
      /^tracewall: CRI endpoint "tcp:\/\/x:1": expected unix:\/\/\/PATH\/TO\/SOCKET/,
    ],
    [['--max-containers', '0'], /^tracewall: --max-containers "0": expected a whole number from 1 to 4096/],
    [['--status-interval', '1.5'], /^tracewall: --status-interval "1.5": expected a whole number from 1 to 86400/],
    [['--segment', '-1'], /^tracewall: --segment "-1": expected a whole number from 0 to 604800/],
    [['--max-merged-runs', '1'], /^tracewall: --max-merged-runs "1": expected a whole number from 2 to 100000/],
    [['--tracer', 'strace'], /^tracewall: option '--tracer <tracer>' argument 'strace' is invalid/],
    [['--mode', 'pod'], /^tracewall: option '--mode <mode>' argument 'pod' is invalid/],
    [
      ['--mode', 'node', '--tracer', 'bpftrace'],
      /^tracewall: --mode node records with the ebpf tracer only \(every container by its cgroup\), not --tracer bpftrace\n$/,
    ],
  ])('agent %j: exit 2', (args, message) => {
    const r = cli(['agent', ...args]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  const notRoot = process.getuid?.() !== 0 ? 'the ebpf check runs after the root check' : undefined;
  if (notRoot) console.warn(`skipped agent --mode node without a loader: ${notRoot}`);
  it.skipIf(notRoot)('--mode node where the ebpf loader is missing: exit 3 with the reason, nothing created', () => {
    const dir = path.join(scratch('node'), 'agent');
    const loader = path.join(dir, 'no-loader');
    const r = cli(['agent', '--mode', 'node', '--output-dir', dir], {
      env: { ...process.env, TRACEWALL_EBPF_LOADER: loader },
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^tracewall: --mode node: the (ebpf tracer is not built|kernel has no BTF)/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('--output-dir naming a file: exit 2, the file untouched', () => {
    const file = path.join(scratch('out'), 'agent');
    fs.writeFileSync(file, 'keep');
    const r = cli(['agent', '--output-dir', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tracewall: --output-dir takes a directory: ${file} is a regular file\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });
});
