// The agent's image: deploy/Containerfile built here with podman by scripts/build-agent-image.sh (no registry serves
// debian:bookworm-slim here: the base is a mmdebstrap rootfs, Node.js the machine's own; both cached in
// /var/cache/tracewall-test, the layers in podman's storage, so only the first build is slow), then tracewall run
// inside it. Root only and slow: run with TRACEWALL_SLOW_TESTS=1, else skipped with the reason printed.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recording/io.js';
import { runtimeVersion } from '../../src/trace/runtime-command.js';
import { fromRoot } from '../../src/util/paths.js';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
import { startProcess } from '../helpers/cli-process.js';
import { importImages, needContainerd, runContainer, runPod, startContainerd } from '../helpers/containerd.js';
import { onPath, uniqueName } from '../helpers/engines.js';
import { fakeKubectl } from '../helpers/fake-kubectl.js';
import { collectCommand } from '../../src/cli/collect.js';

const TAG = 'localhost/tracewall-agent:test';
const PODMAN = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

function needImageBuild(): string | undefined {
  let why: string | undefined;
  // the whole suite stays well under 15 minutes: this one alone takes 9 minutes on a machine that never built it
  if (process.env.TRACEWALL_SLOW_TESTS !== '1')
    why = 'slow (builds the image: about 9 min the first time, 1.5-3 min after); run it with TRACEWALL_SLOW_TESTS=1';
  else if (process.platform !== 'linux') why = `image builds need Linux, this is ${process.platform}`;
  else if (process.getuid?.() !== 0) why = `image builds need root (running as uid ${process.getuid?.()})`;
  else {
    const missing = ['podman', 'runc', 'mmdebstrap', 'dpkg-deb', 'tar'].filter((t) => !onPath(t));
    if (missing.length) why = `${missing.join(', ')} not installed (apt-get install podman runc mmdebstrap)`;
    else if (!fs.existsSync('/sys/kernel/btf/vmlinux')) why = 'no kernel BTF: the image needs the eBPF loader built';
  }
  if (why) console.warn(`skipped agent image e2e: ${why}`);
  return why;
}

const why = needImageBuild();
const whyContainerd = why ?? needContainerd();

// root here may not raise its rlimits past the machine's: podman's defaults would ask for more
const LIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'];

/** Runs the image with `args` after the entrypoint (tracewall), or with another entrypoint. */
function inImage(args: string[], entrypoint?: string) {
  const ep = entrypoint === undefined ? [] : ['--entrypoint', entrypoint];
  const limits = LIMITS;
  return execa('podman', [...PODMAN, 'run', '--rm', '--network', 'none', ...limits, ...ep, TAG, ...args], {
    reject: false,
    timeout: 60_000,
  });
}

describe.skipIf(why)('the agent image (deploy/Containerfile)', () => {
  beforeAll(async () => {
    const started = Date.now();
    const r = await execa('bash', [fromRoot('scripts', 'build-agent-image.sh'), TAG], {
      reject: false,
      all: true,
      timeout: 30 * 60_000,
    });
    if (r.exitCode !== 0) throw new Error(`the image build failed (exit ${r.exitCode}):\n${r.all?.slice(-4000)}`);
    const size = await execa('podman', ['image', 'inspect', '--format', '{{.Size}}', TAG]);
    console.log(
      `agent image ${TAG}: built in ${((Date.now() - started) / 1000).toFixed(0)} s, ${(Number(size.stdout) / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 30 * 60_000);

  it('runs tracewall: --help lists the verbs, collect --help', async () => {
    const help = await inImage(['--help']);
    expect(help.exitCode, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^\s+collect\b/m);
    const collect = await inImage(['collect', '--help']);
    expect(collect.exitCode, collect.stderr).toBe(0);
    expect(collect.stdout).toContain('--kubectl <path>');
  });

  it('runs tracewall agent --help', async () => {
    const r = await inImage(['agent', '--help']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('--output-dir');
  });

  it('carries the eBPF loader with its libraries, and no npm or compiler', async () => {
    const r = await inImage(
      [
        '-c',
        'ldd /opt/tracewall/dist/ebpf/tracewall-ebpf; for t in npm clang gcc bpftrace; do command -v $t; done; true',
      ],
      '/bin/sh',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('libbpf.so.1 => /');
    expect(r.stdout).not.toContain('not found');
    expect(r.stdout).not.toMatch(/\/(npm|clang|gcc|bpftrace)$/m);
  });

  it.skipIf(whyContainerd)(
    'runs tracewall agent as the DaemonSet does (privileged, host pid): a pod created after it is recorded, written on SIGTERM, and collected',
    async () => {
      const dir = makeTemp('tracewall-agent-image-');
      const ctd = await startContainerd(dir);
      const name = uniqueName('tracewall-agent');
      try {
        await importImages(ctd);
        const out = path.join(dir, 'agent-out');
        const signal = path.join(dir, 'signal');
        fs.mkdirSync(out);
        fs.mkdirSync(signal);
        const agent = startProcess(
          'the agent container',
          'podman',
          [
            ...PODMAN,
            'run',
            '--rm',
            '--name',
            name,
            '--privileged',
            '--pid',
            'host',
            '--network',
            'host',
            ...LIMITS,
            // the containerd of the test (its socket in `dir`), and the hostPath output directory
            '--volume',
            `${dir}:${dir}`,
            '--volume',
            `${out}:/var/lib/tracewall/agent`,
            '--volume',
            '/sys/fs/cgroup:/sys/fs/cgroup:ro',
            // the node's runc is run in the node's mount namespace (deploy/node-runtime), pid 1's on a node; here pid 1
            // is this machine's sandbox and not ours to enter, so this test's own process names the namespace
            '--env',
            `TRACEWALL_NODE_PID=${process.pid}`,
            TAG,
            'agent',
            '--runtime-endpoint',
            ctd.endpoint,
            '--output-dir',
            '/var/lib/tracewall/agent',
            '--namespace',
            'staging',
            '--tracer',
            'ebpf',
            '--status-interval',
            '2',
          ],
          { all: true },
        );
        const said = (re: RegExp, what: string) => agent.waitFor(re, 120_000, what);
        await said(/agent: watching /, 'the agent to watch');
        const pod = await runPod(ctd, 'staging', 'late-0');
        await runContainer(ctd, pod, {
          name: 'main',
          command: [
            '/bin/sh',
            '-c',
            'while [ ! -e /signal/go ]; do sleep 0.1; done; mkdir /tmp/made-late; cat /etc/hostname >/dev/null; exec sleep 600',
          ],
          mounts: { [signal]: '/signal' },
        });
        await said(/recording staging\/late-0\/main/, 'the agent to record the pod');
        fs.writeFileSync(path.join(signal, 'go'), '');
        await new Promise((r) => setTimeout(r, 2000));
        await execa('podman', [...PODMAN, 'stop', '--time', '60', name]);
        const done = await agent.exited(60_000);
        expect(done.exitCode, agent.output()).toBe(0);
        const files = fs
          .readdirSync(path.join(out, 'staging'), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('/main/late-0.recording.json'));
        expect(files, agent.output()).toHaveLength(1);
        const rec = readRecording(path.join(out, 'staging', files[0]!));
        expect(rec.tracer.name).toBe('ebpf');
        expect(rec.target).toMatchObject({
          kind: 'cri',
          pod: { namespace: 'staging', name: 'late-0' },
          container: 'main',
        });
        expect(rec.files['/tmp/made-late/']?.access).toEqual(['create']);
        // the node's runc, run in its mount namespace: the version the node's containers ran under
        expect(rec.target).toMatchObject({ runtime: 'runc', runtimeVersion: await runtimeVersion('runc') });
        // collect takes what the agent wrote, as a node's agent pod would serve it (kubectl is a stand-in: none here)
        const kube = path.join(dir, 'kube');
        fs.mkdirSync(kube);
        const kubectl = fakeKubectl(kube, [{ pod: 'tracewall-agent-x1', node: 'node-1', files: {} }]);
        fs.cpSync(out, path.join(kube, 'pods/tracewall-agent-x1/var/lib/tracewall/agent'), { recursive: true });
        const fleet = path.join(dir, 'fleet');
        const flags = { kubectl, namespace: 'tracewall', selector: 'app=tracewall-agent', container: 'agent' };
        expect(
          await collectCommand({ ...flags, output: fleet, agentDir: '/var/lib/tracewall/agent' }, () => undefined),
        ).toBe(0);
        const workload = path.dirname(path.dirname(files[0]!));
        const merged = readRecording(path.join(fleet, 'merged', 'staging', `${workload}/main.recording.json`));
        expect(
          merged.provenance!.sources.map((x) => [
            x.target.kind === 'cri' && x.target.pod.name,
            x.target.kind === 'cri' && x.target.node,
          ]),
        ).toEqual([['late-0', 'node-1']]);
        expect(merged.files['/tmp/made-late/']?.access).toEqual(['create']);
      } finally {
        await execa('podman', [...PODMAN, 'rm', '--force', '--time', '0', name], { reject: false });
        await ctd.stop();
        rmTemp(dir);
      }
    },
    300_000,
  );
});
