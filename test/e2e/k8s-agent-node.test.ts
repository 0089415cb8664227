// End to end: `tracewall agent --mode node` on a private containerd, the test acting as the kubelet. The agent (its
// one ebpf loader) starts first; a matching pod created after it is recorded from its entrypoint's exec: what its
// entrypoint does at once (a mkdir, before the agent could have seen the pod) is in its recording, runc's setup
// (pivot_root) is not; one that ends is written then, one still running when SIGTERM comes is written then; exit 0 and
// no loader left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needContainerd, removePod, waitExited } from '../helpers/containerd.js';
import { AgentNode, tracersOf, webRecordings } from '../helpers/agent.js';
import { needBuild } from './helpers.js';
import { ebpfBlocker } from '../../src/trace/ebpf.js';
import type { Recording } from '../../src/recording/types.js';

const why = needContainerd() ?? needBuild() ?? ebpfBlocker() ?? undefined;
if (why) console.warn(`skipped agent --mode node e2e: ${why}`);

const HASH = '7c6b5a4d3';
const WEB = { app: 'web', 'pod-template-hash': HASH };

/** The entrypoint: a directory made at once, then (with `end`) the end once /signal/go exists, else reads forever. */
const entry = (tag: string, end: boolean): string =>
  [
    `mkdir /tmp/made-${tag}`,
    end
      ? 'while [ ! -e /signal/go ]; do sleep 0.1; done; echo done'
      : 'while :; do cat /etc/hostname > /dev/null; sleep 0.2; done',
  ].join('\n');

const syscalls = (r: Recording): string[] => Object.keys(r.syscalls.x86_64 ?? {});

describe.skipIf(why)('tracewall agent --mode node on a containerd node', () => {
  const node = new AgentNode();

  beforeAll(() => node.start(['--mode', 'node', '--namespace', 'staging', '--selector', 'app=web']));
  afterAll(() => node.close());

  it('records a pod created after it from its entrypoint, not runc setup; SIGTERM writes the running one', async () => {
    expect(node.stderr).toMatch(/recording their containers by node \(ebpf/);
    const a = await node.pod('staging', `web-${HASH}-aaaaa`, WEB, entry('aaaaa', true));
    const b = await node.pod('staging', `web-${HASH}-bbbbb`, WEB, entry('bbbbb', false));
    await node.said(new RegExp(`recording staging/web-${HASH}-aaaaa/main \\(Deployment web`), 'pod a recorded');
    await node.said(new RegExp(`recording staging/web-${HASH}-bbbbb/main \\(Deployment web`), 'pod b recorded');
    node.go('aaaaa');
    expect((await waitExited(node.ctd, a.id)).exit_code).toBe(0);
    await node.said(new RegExp(`web-${HASH}-aaaaa/main: the container ended; wrote`), 'a written');
    expect(tracersOf(node.agent.pid).length).toBe(1);

    const done = await node.agent.stop('SIGTERM', 60_000);
    expect(done.exitCode, node.stderr).toBe(0);
    expect(node.stderr).toMatch(new RegExp(`web-${HASH}-bbbbb/main: the agent is stopping; wrote`));
    expect(tracersOf(node.agent.pid)).toEqual([]);
    for (const p of [a, b]) await removePod(node.ctd, p.pod);

    const recs = webRecordings(node.out, HASH, ['aaaaa', 'bbbbb']);
    for (const [i, tag] of ['aaaaa', 'bbbbb'].entries()) {
      const rec = recs[i]!;
      // from the entrypoint's exec: its execve and what it did at once; none of runc's setup
      expect(rec.executables[0]).toMatchObject({ path: '/bin/sh', parent: '' });
      expect(syscalls(rec)).toEqual(expect.arrayContaining(['execve', 'mkdir']));
      expect(syscalls(rec)).not.toContain('pivot_root');
      expect(rec.files[`/tmp/made-${tag}/`]?.access).toEqual(['create']);
      expect(rec.warnings.join('\n')).not.toMatch(/already running/);
    }
  }, 240_000);
});
