// End to end: `tracewall agent` on a node without a kubelet, the test acting as the kubelet over the CRI of a private
// containerd. The agent starts first; pods created after it are recorded when they match its namespace and selector
// (and only then), two pods of one Deployment (ReplicaSet-style names) share one merged recording that `generate`
// takes; a containerd restart is survived (an attached container is recorded through it, a pod created after it is
// recorded); SIGTERM ends every recording, writes it, exits 0 and leaves no tracer behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needContainerd, removePod, restartContainerd, waitExited } from '../helpers/containerd.js';
import { AgentNode, tracersOf, webRecordings } from '../helpers/agent.js';
import { needBuild, tracewall } from './helpers.js';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { ebpfBlocker } from '../../src/trace/ebpf.js';
import { readRecording } from '../../src/recording/io.js';
import type { AgentStatus } from '../../src/agent/status.js';

const why = needContainerd() ?? needBuild() ?? (ebpfBlocker() && bpftraceBlocker()) ?? undefined;
const whyBpftrace = why ?? bpftraceBlocker() ?? undefined;
if (why) console.warn(`skipped agent e2e: ${why}`);

const HASH = '5d8f7c9b6';
/** A Deployment's pod's labels (the selector matches app=web). */
const WEB = { app: 'web', tier: 'front', 'pod-template-hash': HASH };

/** The pod's job once /signal/go exists: a directory named after the pod, a read, then the end. */
const job = (tag: string): string =>
  [
    'while [ ! -e /signal/go ]; do sleep 0.1; done',
    'set -e',
    `mkdir /tmp/made-${tag}`,
    'cat /etc/hostname > /dev/null',
    'echo done',
  ].join('\n');

/** Reads /etc/hostname until it is killed. */
const LOOP = 'while :; do cat /etc/hostname > /dev/null; sleep 0.2; done';

describe.skipIf(why)('tracewall agent on a containerd node', () => {
  const node = new AgentNode();
  const out = (): string => node.out;

  beforeAll(() => node.start(['--namespace', 'staging', '--selector', 'app=web,!legacy']));
  afterAll(() => node.close());

  it('records matching pods created after it, merges a workload, and leaves the others alone', async () => {
    const a = await node.pod('staging', `web-${HASH}-aaaaa`, WEB, job('aaaaa'));
    const b = await node.pod('staging', `web-${HASH}-bbbbb`, WEB, job('bbbbb'));
    // not selected: another app, a label the selector excludes, another namespace
    const others = [
      await node.pod('staging', 'other', {}, LOOP),
      await node.pod('staging', `web-${HASH}-lllll`, { ...WEB, legacy: 'yes' }, LOOP),
      await node.pod('prod', `web-${HASH}-ppppp`, WEB, LOOP),
    ];
    await node.said(new RegExp(`recording staging/web-${HASH}-aaaaa/main \\(Deployment web`), 'pod a recorded');
    await node.said(new RegExp(`recording staging/web-${HASH}-bbbbb/main \\(Deployment web`), 'pod b recorded');
    node.go('aaaaa');
    node.go(`bbbbb`);
    for (const p of [a, b]) expect((await waitExited(node.ctd, p.id)).exit_code).toBe(0);
    await node.said(new RegExp(`web-${HASH}-bbbbb/main: the container ended; wrote`), 'b written');
    await node.said(new RegExp(`web-${HASH}-aaaaa/main: the container ended; wrote`), 'a written');
    // a status interval later, the status file has counted them
    await new Promise((r) => setTimeout(r, 2500));
    for (const p of [a, b, ...others]) await removePod(node.ctd, p.pod);

    const recs = webRecordings(out(), HASH, ['aaaaa', 'bbbbb']);
    for (const [i, tag] of ['aaaaa', 'bbbbb'].entries()) {
      const rec = recs[i]!;
      expect(Object.keys(rec.syscalls.x86_64 ?? {})).toContain('mkdir');
      expect(rec.files[`/tmp/made-${tag}/`]?.access).toEqual(['create']);
    }
    const mergedFile = path.join(out(), 'staging', 'web', 'main.merged.recording.json');
    const merged = readRecording(mergedFile);
    expect(merged.name).toBe('staging-web-main');
    expect(merged.provenance!.sources.map((s) => s.name).sort()).toEqual([
      `staging-web-${HASH}-aaaaa-main`,
      `staging-web-${HASH}-bbbbb-main`,
    ]);
    expect(Object.keys(merged.files)).toEqual(expect.arrayContaining(['/tmp/made-aaaaa/', '/tmp/made-bbbbb/']));
    // nothing for the pods not selected
    expect(fs.readdirSync(out()).sort()).toEqual(['agent-status.json', 'staging']);
    expect(fs.readdirSync(path.join(out(), 'staging'))).toEqual(['web']);
    expect(node.stderr).not.toMatch(/recording staging\/other|lllll\/main|prod\//);

    const g = await tracewall(['generate', '-o', path.join(node.dir, 'profiles'), mergedFile]);
    expect(g.exitCode, g.stderr).toBe(0);
    const profile = JSON.parse(
      fs.readFileSync(path.join(node.dir, 'profiles', 'staging-web-main.seccomp.json'), 'utf8'),
    ) as {
      syscalls: Array<{ names: string[] }>;
    };
    expect(profile.syscalls.flatMap((s) => s.names)).toContain('mkdir');

    const status = JSON.parse(fs.readFileSync(path.join(out(), 'agent-status.json'), 'utf8')) as AgentStatus;
    expect(status).toMatchObject({ state: 'running', criAvailable: true, recordingsWritten: 2, mergesWritten: 2 });
    expect(status.memory.rssBytes).toBeGreaterThan(0);
    expect(status.memory.heapUsedBytes).toBeGreaterThan(0);
    expect(node.stderr).toMatch(
      /agent: status: recording \d+ containers?; 2 recordings written; .*memory: agent RSS \d+ MiB/,
    );
  }, 240_000);

  it('survives containerd restarting: an attached container is recorded through it, a pod created after it is recorded', async () => {
    const before = await node.pod('staging', `web-${HASH}-ccccc`, WEB, job('ccccc'));
    await node.said(new RegExp(`recording staging/web-${HASH}-ccccc/main`), 'pod c recorded');
    await node.ctd.stopDaemon();
    await node.said(
      /agent: no CRI runtime at .*; recording on what is attached, asking again with backoff/,
      'the agent to notice',
    );
    // its job runs while containerd is down
    node.go('ccccc');
    await node.said(new RegExp(`web-${HASH}-ccccc/main: the container ended; wrote`), 'pod c to write its directory');
    node.ctd = await restartContainerd(node.ctd);
    await node.said(
      /agent: the CRI runtime at .* answers again \(after \d+ s\)/,
      'the agent to see containerd again',
      90_000,
    );
    const after = await node.pod('staging', `web-${HASH}-ddddd`, WEB, job('ddddd'));
    await node.said(new RegExp(`recording staging/web-${HASH}-ddddd/main`), 'pod d recorded');
    node.go('ddddd');
    expect((await waitExited(node.ctd, after.id)).exit_code).toBe(0);
    await node.said(new RegExp(`web-${HASH}-ddddd/main: the container ended; wrote`), 'd written');
    for (const p of [before, after]) await removePod(node.ctd, p.pod);
    // said once, however many polls failed
    expect(node.stderr.match(/asking again with backoff/g)).toHaveLength(1);
    const main = path.join(out(), 'staging', 'web', 'main');
    for (const tag of ['ccccc', 'ddddd'])
      expect(Object.keys(readRecording(path.join(main, `web-${HASH}-${tag}.recording.json`)).files)).toContain(
        `/tmp/made-${tag}/`,
      );
    const merged = readRecording(path.join(out(), 'staging', 'web', 'main.merged.recording.json'));
    expect(merged.provenance!.sources).toHaveLength(4);
  }, 240_000);

  it('SIGTERM: every recording is ended and written, exit 0, no tracer left', async () => {
    const running = [
      await node.pod('staging', `web-${HASH}-eeeee`, WEB, LOOP),
      await node.pod('staging', `web-${HASH}-fffff`, WEB, LOOP),
    ];
    await node.said(new RegExp(`recording staging/web-${HASH}-eeeee/main`), 'pod e recorded');
    await node.said(new RegExp(`recording staging/web-${HASH}-fffff/main`), 'pod f recorded');
    expect(tracersOf(node.agent.pid).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    const done = await node.agent.stop('SIGTERM', 60_000);
    expect(done.exitCode, node.stderr).toBe(0);
    expect(node.stderr).toMatch(/agent: stopping: ending 2 recordings and writing them/);
    expect(node.stderr).toMatch(/agent: stopped: 6 recordings written, 6 merged recordings updated/);
    expect(tracersOf(node.agent.pid)).toEqual([]);
    const main = path.join(out(), 'staging', 'web', 'main');
    for (const tag of ['eeeee', 'fffff']) {
      const rec = readRecording(path.join(main, `web-${HASH}-${tag}.recording.json`));
      expect(Object.keys(rec.files)).toContain('/etc/hostname');
    }
    const status = JSON.parse(fs.readFileSync(path.join(out(), 'agent-status.json'), 'utf8')) as AgentStatus;
    expect(status).toMatchObject({ state: 'stopped', recording: [], recordingsWritten: 6, mergesWritten: 6 });
    // the pods were left running
    for (const p of running) {
      const { status: st } = await node.ctd.cri.call('ContainerStatus', { container_id: p.id });
      expect(st?.state).toBe('CONTAINER_RUNNING');
      await removePod(node.ctd, p.pod);
    }
  }, 240_000);
});

describe.skipIf(whyBpftrace)('tracewall agent --tracer bpftrace --max-containers 1 --segment', () => {
  const node = new AgentNode();
  const main = (): string => path.join(node.out, 'staging', 'db', 'main');
  const DB = (n: number) => ({ app: 'db', 'statefulset.kubernetes.io/pod-name': `db-${n}` });

  beforeAll(() => node.start(['--tracer', 'bpftrace', '--max-containers', '1', '--segment', '15']));
  afterAll(() => node.close());

  it('records one container at a time, the others waiting (said once); a long one in segments; SIGTERM writes the last', async () => {
    const first = await node.pod('staging', 'db-0', DB(0), LOOP);
    await node.said(/recording staging\/db-0\/main \(StatefulSet db/, 'db-0 recorded', 90_000);
    expect(node.stderr).toMatch(/by attach \(bpftrace\), at most 1 at once, a new recording every 15 s/);
    const second = await node.pod('staging', 'db-1', DB(1), job('1'));
    await node.said(/staging\/db-1\/main waits: 1 container is being recorded \(--max-containers\)/, 'db-1 to wait');
    // db-0's segment ends: the slot goes to db-1, which waited; db-0 waits in turn
    await node.said(
      /staging\/db-0\/main: its segment ended; recording it again; wrote .*\/db-0\.recording\.json/,
      'the segment',
      90_000,
    );
    await node.said(/recording staging\/db-1\/main \(StatefulSet db/, 'db-1 recorded', 90_000);
    await node.said(/staging\/db-0\/main waits/, 'db-0 to wait');
    node.go('1');
    expect((await waitExited(node.ctd, second.id)).exit_code).toBe(0);
    await node.said(/staging\/db-1\/main: the container ended; wrote .*\/db-1\.recording\.json/, 'db-1 written');
    // the slot is free again: db-0's next segment
    await node.said(/recording staging\/db-0\/main[^\n]*\n(.|\n)*recording staging\/db-0\/main/, 'db-0 again', 90_000);
    expect(node.stderr.match(/db-1\/main waits/g)).toHaveLength(1);
    const done = await node.agent.stop('SIGTERM', 60_000);
    expect(done.exitCode, node.stderr).toBe(0);
    expect(tracersOf(node.agent.pid)).toEqual([]);
    expect(fs.readdirSync(main()).sort()).toEqual([
      'db-0.2.recording.json',
      'db-0.recording.json',
      'db-1.recording.json',
    ]);
    for (const f of ['db-0.recording.json', 'db-0.2.recording.json']) {
      const rec = readRecording(path.join(main(), f));
      expect(rec.tracer.name).toBe('bpftrace');
      expect(Object.keys(rec.files)).toContain('/etc/hostname');
    }
    expect(readRecording(path.join(main(), 'db-0.2.recording.json')).name).toBe('staging-db-0-main-2');
    expect(readRecording(path.join(main(), 'db-1.recording.json')).files['/tmp/made-1/']?.access).toEqual(['create']);
    const merged = readRecording(path.join(node.out, 'staging', 'db', 'main.merged.recording.json'));
    expect(merged.provenance!.sources.map((s) => s.name).sort()).toEqual([
      'staging-db-0-main',
      'staging-db-0-main-2',
      'staging-db-1-main',
    ]);
    await removePod(node.ctd, first.pod);
    await removePod(node.ctd, second.pod);
  }, 300_000);
});
