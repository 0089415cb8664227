// record --tracer ebpf --container with podman (runc): the running container from the attach on, a process exec'd
// into it later from its exec on; the container is left running. (The bpftrace variant: test/e2e/attach-containers.)
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
import { startCli } from '../helpers/cli-process.js';
import {
  busyboxImageTar,
  needEngine,
  podmanEnv,
  podmanWorks,
  run,
  uniqueName,
  type EngineEnv,
} from '../helpers/engines.js';
import { needBuild } from '../e2e/helpers.js';
import { ebpfBlocker } from '../../src/trace/ebpf.js';
import { readRecording } from '../../src/recording/io.js';

const why = needEngine('podman') ?? needBuild() ?? ebpfBlocker() ?? undefined;
if (why) console.warn(`skipped ebpf container attach test: ${why}`);

const LOOP = 'while :; do [ -e /tmp/go ] && mkdir -p /tmp/made; sleep 0.2; done';

describe.skipIf(why)('record --tracer ebpf --container (podman, runc)', () => {
  let tmp: string;
  let env: EngineEnv;
  let image = '';
  let container = '';
  let notWorking: string | undefined;

  beforeAll(async () => {
    tmp = makeTemp('tracewall-ebpf-podman-');
    env = podmanEnv(tmp);
    image = `localhost/tracewall-ebpf/${uniqueName('busybox')}:latest`;
    const imported = await run('podman', ['import', busyboxImageTar(tmp), image], env, { timeoutMs: 60_000 });
    notWorking = imported.exitCode === 0 ? await podmanWorks(env, image, 'runc') : imported.stderr.trim();
    if (notWorking) console.warn(`skipped ebpf container attach test: ${notWorking}`);
  }, 120_000);

  afterAll(async () => {
    if (container) await run('podman', ['rm', '-f', container], env);
    if (image) await run('podman', ['rmi', '-f', image], env);
    if (tmp) rmTemp(tmp);
  }, 120_000);

  it('records the running container and a later exec into it, and leaves it running', async ({ skip }) => {
    if (notWorking) skip(notWorking);
    const podman = (args: string[]) => run('podman', ['--runtime', 'runc', ...args], env, { timeoutMs: 60_000 });
    const started = await podman(['run', '-d', '--network', 'none', image, '/bin/sh', '-c', LOOP]);
    expect(started.exitCode, started.stderr).toBe(0);
    container = started.stdout.trim();
    const out = path.join(tmp, 'attached.json');
    const t = startCli(
      ['record', '--tracer', 'ebpf', '--container', container, '--engine', 'podman', '--duration', '60', '-o', out],
      { env },
    );
    await t.waitFor(/probes attached/, 60_000, 'the probes to attach');
    const ex = await podman(['exec', container, '/bin/touch', '/tmp/go']);
    expect(ex.exitCode, ex.stderr).toBe(0);
    // the loop sees /tmp/go within 0.2 s; then stop recording as Ctrl-C would (podman exec's own time varies too much
    // under load for a fixed --duration)
    await new Promise((r) => setTimeout(r, 1000));
    const done = await t.stop('SIGINT', 60_000);
    expect(t.output()).toMatch(/detached on SIGINT; nothing was stopped/);
    expect(done.exitCode, t.output()).toBe(0);
    const rec = readRecording(out);
    expect(rec.tracer.name).toBe('ebpf');
    expect(rec.target).toMatchObject({ kind: 'podman', attached: { container } });
    // the exec'd touch, from its exec on (not runc's setup of it), and what the loop did once /tmp/go was there
    expect(rec.files['/tmp/go']?.access).toContain('create');
    expect(rec.files['/tmp/made/']?.access).toContain('create');
    expect(rec.executables.some((e) => /runc/.test(e.path))).toBe(false);
    expect(rec.syscalls.x86_64?.setns).toBeUndefined();
    const state = await podman(['inspect', '-f', '{{.State.Running}}', container]);
    expect(state.stdout.trim()).toBe('true');
  }, 120_000);
});
