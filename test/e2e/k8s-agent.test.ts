// End to end: `tracewall agent` on a node without a kubelet, the test acting as the kubelet over the CRI of a private
// containerd. The agent starts first; pods created after it are recorded when they match its namespace and selector
// (and only then), two pods of one Deployment (ReplicaSet-style names) share one merged recording that `generate`
// takes; a containerd restart is survived (an attached container is recorded through it, a pod created after it is
// recorded); SIGTERM ends every recording, writes it, exits 0 and leaves no tracer behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultPromise } from 'execa';
import { makeTemp, rmTemp, waitFor } from '../helpers/bundles.js';
import {
  leftovers,
  needContainerd,
  removePod,
  restartContainerd,
  runContainer,
  runPod,
  startContainerd,
  importImages,
  waitExited,
  type PrivateContainerd,
  type TestPod,
} from '../helpers/containerd.js';
import { needBuild, tracewall, tracewallStart } from './helpers.js';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { ebpfBlocker, EBPF_LOADER } from '../../src/trace/ebpf.js';
import { BPFTRACE_PROGRAM } from '../../src/trace/bpftrace.js';
import { readRecording } from '../../src/recording/io.js';
import type { AgentStatus } from '../../src/agent/status.js';

const why = needContainerd() ?? needBuild() ?? (ebpfBlocker() && bpftraceBlocker()) ?? undefined;
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

/** Processes of a tracer the agent (pid `agent`) started: bpftrace on tracewall's program, or the ebpf loader. */
function tracersOf(agent: number): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const ours = argv.includes(BPFTRACE_PROGRAM) || argv[0] === EBPF_LOADER;
        return ours && argv.includes(String(agent)) ? [argv.join(' ')] : [];
      } catch {
        return [];
      }
    });
}

describe.skipIf(why)('tracewall agent on a containerd node', () => {
  let dir: string;
  let ctd: PrivateContainerd;
  let agent: ResultPromise;
  let stderr = '';
  const out = (): string => path.join(dir, 'agent');
  const goDir = (tag: string): string => path.join(dir, `signal-${tag}`);
  const go = (tag: string): void => fs.writeFileSync(path.join(goDir(tag), 'go'), '');

  /** A pod of `ns` with `labels`, its one container "main" running `command` with /signal mounted. */
  async function pod(
    ns: string,
    name: string,
    labels: Record<string, string>,
    command: string,
  ): Promise<{ pod: TestPod; id: string }> {
    const tag = name.split('-').pop()!;
    fs.mkdirSync(goDir(tag), { recursive: true });
    const p = await runPod(ctd, ns, name, { labels });
    const id = await runContainer(ctd, p, {
      name: 'main',
      command: ['/bin/sh', '-c', command],
      mounts: { [goDir(tag)]: '/signal' },
    });
    return { pod: p, id };
  }

  const said = (re: RegExp, what: string, timeoutMs = 60_000): Promise<true> =>
    waitFor(what, () => (re.test(stderr) ? true : agent.exitCode !== null ? fail(what) : undefined), timeoutMs);
  const fail = (what: string): never => {
    throw new Error(`the agent exited (${agent.exitCode}) before ${what}:\n${stderr}`);
  };

  beforeAll(async () => {
    dir = makeTemp('tracewall-agent-');
    ctd = await startContainerd(dir);
    await importImages(ctd);
    agent = tracewallStart([
      'agent',
      '--runtime-endpoint',
      ctd.endpoint,
      '--output-dir',
      out(),
      '--namespace',
      'staging',
      '--selector',
      'app=web,!legacy',
      '--status-interval',
      '2',
    ]);
    agent.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await said(/agent: watching /, 'the agent to start');
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGKILL');
      await agent;
    }
    await ctd?.stop();
    if (ctd) expect(leftovers(ctd)).toEqual({ shims: [], mounts: [] });
    if (dir) rmTemp(dir);
  });

  it('records matching pods created after it, merges a workload, and leaves the others alone', async () => {
    const a = await pod('staging', `web-${HASH}-aaaaa`, WEB, job('aaaaa'));
    const b = await pod('staging', `web-${HASH}-bbbbb`, WEB, job('bbbbb'));
    // not selected: another app, a label the selector excludes, another namespace
    const others = [
      await pod('staging', 'other', {}, LOOP),
      await pod('staging', `web-${HASH}-lllll`, { ...WEB, legacy: 'yes' }, LOOP),
      await pod('prod', `web-${HASH}-ppppp`, WEB, LOOP),
    ];
    await said(new RegExp(`recording staging/web-${HASH}-aaaaa/main \\(Deployment web`), 'pod a recorded');
    await said(new RegExp(`recording staging/web-${HASH}-bbbbb/main \\(Deployment web`), 'pod b recorded');
    go('aaaaa');
    go(`bbbbb`);
    for (const p of [a, b]) expect((await waitExited(ctd, p.id)).exit_code).toBe(0);
    await said(new RegExp(`web-${HASH}-bbbbb/main: the container ended; wrote`), 'b written');
    await said(new RegExp(`web-${HASH}-aaaaa/main: the container ended; wrote`), 'a written');
    // a status interval later, the status file has counted them
    await new Promise((r) => setTimeout(r, 2500));
    for (const p of [a, b, ...others]) await removePod(ctd, p.pod);

    const main = path.join(out(), 'staging', 'web', 'main');
    expect(fs.readdirSync(main).sort()).toEqual([
      `web-${HASH}-aaaaa.recording.json`,
      `web-${HASH}-bbbbb.recording.json`,
    ]);
    for (const tag of ['aaaaa', 'bbbbb']) {
      const rec = readRecording(path.join(main, `web-${HASH}-${tag}.recording.json`));
      expect(rec.name).toBe(`staging-web-${HASH}-${tag}-main`);
      expect(rec.target).toMatchObject({
        kind: 'cri',
        pod: { namespace: 'staging', name: `web-${HASH}-${tag}` },
        container: 'main',
      });
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
    expect(stderr).not.toMatch(/recording staging\/other|lllll\/main|prod\//);

    const g = await tracewall(['generate', '-o', path.join(dir, 'profiles'), mergedFile]);
    expect(g.exitCode, g.stderr).toBe(0);
    const profile = JSON.parse(
      fs.readFileSync(path.join(dir, 'profiles', 'staging-web-main.seccomp.json'), 'utf8'),
    ) as {
      syscalls: Array<{ names: string[] }>;
    };
    expect(profile.syscalls.flatMap((s) => s.names)).toContain('mkdir');

    const status = JSON.parse(fs.readFileSync(path.join(out(), 'agent-status.json'), 'utf8')) as AgentStatus;
    expect(status).toMatchObject({ state: 'running', criAvailable: true, recordingsWritten: 2, mergesWritten: 2 });
    expect(status.memory.rssBytes).toBeGreaterThan(0);
    expect(status.memory.heapUsedBytes).toBeGreaterThan(0);
    expect(stderr).toMatch(
      /agent: status: recording \d+ containers?; 2 recordings written; .*memory: agent RSS \d+ MiB/,
    );
  }, 240_000);

  it('survives containerd restarting: an attached container is recorded through it, a pod created after it is recorded', async () => {
    const before = await pod('staging', `web-${HASH}-ccccc`, WEB, job('ccccc'));
    await said(new RegExp(`recording staging/web-${HASH}-ccccc/main`), 'pod c recorded');
    await ctd.stopDaemon();
    await said(
      /agent: no CRI runtime at .*; recording on what is attached, asking again with backoff/,
      'the agent to notice',
    );
    // its job runs while containerd is down
    go('ccccc');
    await waitFor(
      'pod c to write its directory',
      () => (stderr.includes(`web-${HASH}-ccccc/main: the container ended; wrote`) ? true : undefined),
      60_000,
    );
    ctd = await restartContainerd(ctd);
    await said(
      /agent: the CRI runtime at .* answers again \(after \d+ s\)/,
      'the agent to see containerd again',
      90_000,
    );
    const after = await pod('staging', `web-${HASH}-ddddd`, WEB, job('ddddd'));
    await said(new RegExp(`recording staging/web-${HASH}-ddddd/main`), 'pod d recorded');
    go('ddddd');
    expect((await waitExited(ctd, after.id)).exit_code).toBe(0);
    await said(new RegExp(`web-${HASH}-ddddd/main: the container ended; wrote`), 'd written');
    for (const p of [before, after]) await removePod(ctd, p.pod);
    // said once, however many polls failed
    expect(stderr.match(/asking again with backoff/g)).toHaveLength(1);
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
      await pod('staging', `web-${HASH}-eeeee`, WEB, LOOP),
      await pod('staging', `web-${HASH}-fffff`, WEB, LOOP),
    ];
    await said(new RegExp(`recording staging/web-${HASH}-eeeee/main`), 'pod e recorded');
    await said(new RegExp(`recording staging/web-${HASH}-fffff/main`), 'pod f recorded');
    expect(tracersOf(agent.pid!).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    agent.kill('SIGTERM');
    const done = await agent;
    expect(done.exitCode, stderr).toBe(0);
    expect(stderr).toMatch(/agent: stopping: ending 2 recordings and writing them/);
    expect(stderr).toMatch(/agent: stopped: 6 recordings written, 6 merged recordings updated/);
    expect(tracersOf(agent.pid!)).toEqual([]);
    const main = path.join(out(), 'staging', 'web', 'main');
    for (const tag of ['eeeee', 'fffff']) {
      const rec = readRecording(path.join(main, `web-${HASH}-${tag}.recording.json`));
      expect(Object.keys(rec.files)).toContain('/etc/hostname');
    }
    const status = JSON.parse(fs.readFileSync(path.join(out(), 'agent-status.json'), 'utf8')) as AgentStatus;
    expect(status).toMatchObject({ state: 'stopped', recording: [], recordingsWritten: 6, mergesWritten: 6 });
    // the pods were left running
    for (const p of running) {
      const { status: st } = await ctd.cri.call('ContainerStatus', { container_id: p.id });
      expect(st?.state).toBe('CONTAINER_RUNNING');
      await removePod(ctd, p.pod);
    }
  }, 240_000);
});
