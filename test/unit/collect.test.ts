// `tracewall collect`: every node agent's recordings fetched with kubectl (a fake one serving real recordings from
// directories: kubectl cannot be installed here, see test/helpers/fake-kubectl.ts) and merged per workload container
// across nodes, each run keeping its node.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectCommand, type CollectFlags } from '../../src/cli/collect.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { fromRoot } from '../../src/util/paths.js';
import { fakeKubectl } from '../helpers/fake-kubectl.js';
import { tempDir } from './merge-helpers.js';

const busybox = readRecording(fromRoot('examples', 'busybox-web.recording.json'));
const nginx = readRecording(fromRoot('examples', 'nginx.recording.json'));

/** A real recording as the agent writes it for a pod's container: target kind cri, named NAMESPACE-POD-CONTAINER. */
function podRecording(base: Recording, ns: string, pod: string, container: string, node?: string): Recording {
  const argv = base.target.kind === 'bundle' ? base.target.argv : ['/bin/sh'];
  return {
    ...base,
    name: `${ns}-${pod}-${container}`,
    target: {
      kind: 'cri',
      endpoint: 'unix:///run/containerd/containerd.sock',
      criRuntime: 'containerd 1.6.20',
      runtimeHandler: '',
      pod: { namespace: ns, name: pod, uid: `uid-${pod}`, labels: { app: pod.replace(/-\d+$/, '') } },
      container,
      containerId: `id-${pod}-${container}`,
      image: 'localhost/app:1',
      runtime: 'runc',
      runtimeVersion: '1.1.5',
      argv,
      cwd: '/',
      noNewPrivileges: true,
      ...(node === undefined ? {} : { node }),
    },
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function setup(agents: Parameters<typeof fakeKubectl>[1]) {
  const t = tempDir('tracewall-collect-');
  cleanup = t.cleanup;
  const kube = path.join(t.dir, 'kube');
  fs.mkdirSync(kube);
  const flags: CollectFlags = {
    output: path.join(t.dir, 'fleet'),
    kubectl: fakeKubectl(kube, agents),
    namespace: 'tracewall',
    selector: 'app=tracewall-agent',
    container: 'agent',
    agentDir: '/var/lib/tracewall/agent',
  };
  let err = '';
  return { flags, run: () => collectCommand(flags, (s) => (err += s)), stderr: () => err };
}

describe('tracewall collect', () => {
  it("merges each workload container's pods from every node, each run keeping its node", async () => {
    const { flags, run, stderr } = setup([
      {
        pod: 'tracewall-agent-aaaaa',
        node: 'node-a',
        files: {
          'staging/web/app/web-0.recording.json': podRecording(busybox, 'staging', 'web-0', 'app'),
          'staging/web/app.merged.recording.json': podRecording(busybox, 'staging', 'web-0', 'app'),
        },
      },
      {
        pod: 'tracewall-agent-bbbbb',
        node: 'node-b',
        files: {
          'staging/web/app/web-2.recording.json': podRecording(nginx, 'staging', 'web-2', 'app'),
          'default/db/redis/db-0.recording.json': podRecording(busybox, 'default', 'db-0', 'redis'),
        },
      },
      { pod: 'tracewall-agent-ccccc', node: 'node-c', phase: 'Pending', files: {} },
    ]);
    expect(await run()).toBe(0);
    const web = readRecording(path.join(flags.output, 'merged/staging/web/app.recording.json'));
    expect(web.name).toBe('staging-web-app');
    expect(web.target).toEqual({ kind: 'merge' });
    const nodeOf = Object.fromEntries(
      web.provenance!.sources.map((s) => [s.name, s.target.kind === 'cri' ? s.target.node : undefined]),
    );
    expect(nodeOf).toEqual({ 'staging-web-0-app': 'node-a', 'staging-web-2-app': 'node-b' });
    // a syscall only nginx made is needed by the run from node-b alone
    const onlyNginx = Object.keys(nginx.syscalls.x86_64 ?? {}).find((s) => !(s in (busybox.syscalls.x86_64 ?? {})))!;
    expect(Object.keys(web.provenance!.syscalls.x86_64![onlyNginx]!)).toEqual(['staging-web-2-app']);
    expect(Object.keys(web.syscalls.x86_64 ?? {}).sort()).toEqual(
      [...new Set([...Object.keys(busybox.syscalls.x86_64 ?? {}), ...Object.keys(nginx.syscalls.x86_64 ?? {})])].sort(),
    );
    const db = readRecording(path.join(flags.output, 'merged/default/db/redis.recording.json'));
    expect(db.provenance!.sources.map((s) => s.target.kind === 'cri' && s.target.node)).toEqual(['node-b']);
    // what each node had, as it was there
    expect(fs.existsSync(path.join(flags.output, 'nodes/node-a/staging/web/app.merged.recording.json'))).toBe(true);
    expect(fs.existsSync(path.join(flags.output, 'nodes/node-b/default/db/redis/db-0.recording.json'))).toBe(true);
    expect(fs.existsSync(path.join(flags.output, 'nodes/node-c'))).toBe(false);
    expect(stderr()).toContain('agent tracewall-agent-ccccc is Pending on node node-c: its node is left out');
    expect(stderr()).toContain('staging/web/app: merged 2 runs from 2 nodes (node-a, node-b)');
    expect(stderr()).toContain('collected 3 recordings from 2 nodes: 2 merged recordings');
    expect(fs.readdirSync(flags.output).sort()).toEqual(['merged', 'nodes']);
  });

  it('tells apart runs of one name by their nodes (a pod recreated on another node), and replaces the last collect', async () => {
    const { flags, run, stderr } = setup([
      {
        pod: 'agent-1',
        node: 'node-a',
        files: { 'staging/web/app/web-0.recording.json': podRecording(busybox, 'staging', 'web-0', 'app') },
      },
      {
        pod: 'agent-2',
        node: 'node-b',
        files: { 'staging/web/app/web-0.recording.json': podRecording(nginx, 'staging', 'web-0', 'app') },
      },
    ]);
    fs.mkdirSync(path.join(flags.output, 'merged/old/gone'), { recursive: true });
    expect(await run()).toBe(0);
    const web = readRecording(path.join(flags.output, 'merged/staging/web/app.recording.json'));
    expect(web.provenance!.sources.map((s) => [s.name, s.target.kind === 'cri' && s.target.node])).toEqual([
      ['staging-web-0-app.node-a', 'node-a'],
      ['staging-web-0-app.node-b', 'node-b'],
    ]);
    expect(stderr()).toContain('2 runs are named "staging-web-0-app"');
    expect(fs.existsSync(path.join(flags.output, 'merged/old'))).toBe(false);
  });

  it('refuses a recording that names another node than the agent that served it', async () => {
    const { flags, run } = setup([
      {
        pod: 'agent-1',
        node: 'node-a',
        files: { 'staging/web/app/web-0.recording.json': podRecording(busybox, 'staging', 'web-0', 'app', 'node-z') },
      },
    ]);
    await expect(run()).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('recorded on node node-z'),
    });
    expect(fs.existsSync(path.join(flags.output, 'merged'))).toBe(false);
  });

  it('says what failed: no agents, kubectl missing, an agent that cannot be reached', async () => {
    const { flags, run } = setup([
      {
        pod: 'agent-1',
        node: 'node-a',
        files: { 'staging/web/app/web-0.recording.json': podRecording(busybox, 'staging', 'web-0', 'app') },
      },
    ]);
    await expect(collectCommand({ ...flags, namespace: 'elsewhere' }, () => undefined)).rejects.toMatchObject({
      exitCode: 2,
      message: 'no agent pods in namespace elsewhere match the selector app=tracewall-agent',
    });
    await expect(collectCommand({ ...flags, kubectl: '/nonexistent/kubectl' }, () => undefined)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('/nonexistent/kubectl: kubectl is not installed'),
    });
    fs.rmSync(path.join(path.dirname(flags.kubectl), 'pods', 'agent-1'), { recursive: true });
    await expect(run()).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/exec agent-1 \(node node-a\).*failed \(exit 1\): Error from server \(NotFound\)/),
    });
  });
});
