// The agent's image: deploy/Containerfile built here with podman by scripts/build-agent-image.sh (no registry serves
// debian:bookworm-slim here: the base is a mmdebstrap rootfs, Node.js the machine's own; both cached in
// /var/cache/tracewall-test, the layers in podman's storage, so only the first build is slow), then tracewall run
// inside it. Root only and slow (minutes the first time): skipped with the reason printed.
import fs from 'node:fs';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { fromRoot } from '../../src/util/paths.js';
import { onPath } from '../helpers/engines.js';

const TAG = 'localhost/tracewall-agent:test';
const PODMAN = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

function needImageBuild(): string | undefined {
  let why: string | undefined;
  if (process.platform !== 'linux') why = `image builds need Linux, this is ${process.platform}`;
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
const hasAgent = buildProgram().commands.some((c) => c.name() === 'agent');
if (!why && !hasAgent)
  console.warn('skipped `tracewall agent --help` in the image: the agent verb is not in this tree');

/** Runs the image with `args` after the entrypoint (tracewall), or with another entrypoint. */
function inImage(args: string[], entrypoint?: string) {
  const ep = entrypoint === undefined ? [] : ['--entrypoint', entrypoint];
  // root here may not raise its rlimits past the machine's: podman's defaults would ask for more
  const limits = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=4096:4096'];
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

  it.skipIf(!hasAgent)('runs tracewall agent --help', async () => {
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
});
