// The ebpf tracer's node-wide mode with podman (runc): every container started after the recorder, each by its cgroup,
// the runtime's setup left out; losses reported; a cgroup taken mid-run while another keeps recording; agreement with
// `record --tracer ebpf --container` of the same container. Real loader, real containers, no mocks.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { makeTemp, rmTemp, waitFor } from '../helpers/bundles.js';
import {
  busyboxImageTar,
  needEngine,
  podmanEnv,
  podmanWorks,
  run,
  uniqueName,
  type EngineEnv,
} from '../helpers/engines.js';
import { BIN, needBuild } from '../e2e/helpers.js';
import { startCli } from '../helpers/cli-process.js';
import { ebpfBlocker } from '../../src/trace/ebpf.js';
import { startNodeRecorder, type NodeCgroup, type NodeRecordingMeta } from '../../src/trace/ebpf-node.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';

const why = needEngine('podman') ?? needBuild() ?? ebpfBlocker() ?? undefined;
if (why) console.warn(`skipped ebpf node test: ${why}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const meta = (name: string): NodeRecordingMeta => ({
  name,
  toolVersion: 'test',
  kernel: 'test',
  target: { kind: 'process', pid: 1, argv: [], exe: '', cwd: '/' },
  initialCwd: '/',
  initialUid: 0,
  initialGid: 0,
});

const syscalls = (r: Recording) => Object.keys(r.syscalls.x86_64 ?? {}).sort();
const families = (r: Recording) => r.network.sockets.map((s) => s.family);

describe.skipIf(why)('the ebpf node mode (podman, runc)', () => {
  let tmp: string;
  let env: EngineEnv;
  let image = '';
  const containers: string[] = [];
  let notWorking: string | undefined;
  const podman = (args: string[]) => run('podman', ['--runtime', 'runc', ...args], env, { timeoutMs: 90_000 });

  beforeAll(async () => {
    tmp = makeTemp('tracewall-ebpf-node-');
    env = podmanEnv(tmp);
    image = `localhost/tracewall-ebpf-node/${uniqueName('busybox')}:latest`;
    const imported = await run('podman', ['import', busyboxImageTar(tmp), image], env, { timeoutMs: 60_000 });
    notWorking = imported.exitCode === 0 ? await podmanWorks(env, image, 'runc') : imported.stderr.trim();
    if (notWorking) console.warn(`skipped ebpf node test: ${notWorking}`);
  }, 120_000);

  afterAll(async () => {
    for (const c of containers) await run('podman', ['rm', '-f', c], env);
    if (image) await run('podman', ['rmi', '-f', image], env);
    if (tmp) rmTemp(tmp);
  }, 180_000);

  /** `podman run --name NAME IMAGE sh -c SCRIPT`, detached or to its end. */
  const start = async (name: string, script: string, detach = false) => {
    containers.push(name);
    const r = await podman([
      'run',
      ...(detach ? ['-d'] : []),
      '--name',
      name,
      '--network',
      'none',
      image,
      '/bin/sh',
      '-c',
      script,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    return r;
  };

  it('record --node: one recording per container started after it, each with its own work from its entrypoint on', async ({
    skip,
  }) => {
    if (notWorking) skip(notWorking);
    const out = path.join(tmp, 'node-out');
    const t = startCli(['record', '--node', '--duration', '120', '-o', out], { env });
    await t.waitFor(/recording every container/, 60_000, 'the recorder to start');
    expect(t.output()).toMatch(/recording every container of this host for 120 s/);
    const a = uniqueName('node-a');
    const b = uniqueName('node-b');
    // the host's own work in the window is no container's
    const hostDir = path.join(tmp, 'made-by-the-host');
    await execa('mkdir', [hostDir]);
    await start(a, 'mkdir /tmp/made-by-a; sleep 2');
    await start(b, 'nc -l -p 8080 & sleep 1; kill %1; sleep 2');
    await sleep(500);
    const done = await t.stop('SIGINT', 60_000); // Ctrl-C: everything recorded so far is written
    expect(done.exitCode, t.output()).toBe(0);
    expect(t.output()).toMatch(/\d+ container\(s\) recorded/); // other containers of this host may run too
    const ra = readRecording(path.join(out, 'podman', `${a}.recording.json`));
    const rb = readRecording(path.join(out, 'podman', `${b}.recording.json`));
    for (const [r, name] of [
      [ra, a],
      [rb, b],
    ] as const) {
      expect(r.tracer.name).toBe('ebpf');
      expect(r.target).toMatchObject({ kind: 'podman', runtime: 'runc', image });
      expect(r.target.kind === 'podman' && r.target.attached?.container).toMatch(/^[0-9a-f]{64}$/);
      expect(r.name).toBe(name);
      // the entrypoint's exec is the first thing recorded; runc init's setup before it is not
      expect(r.executables[0]).toMatchObject({ path: '/bin/sh', parent: '' });
      expect(r.executables.some((e) => /runc/.test(e.path))).toBe(false);
      expect(r.syscalls.x86_64?.pivot_root).toBeUndefined();
      expect(r.syscalls.x86_64?.execveat).toBeUndefined();
      expect(Object.keys(r.files).some((f) => f.startsWith('/sys/fs/cgroup'))).toBe(false);
      expect(r.files[hostDir]).toBeUndefined();
      expect(r.lost).toEqual({ events: 0, processes: 0, strings: 0, paths: 0 });
    }
    expect(ra.files['/tmp/made-by-a/']?.access).toContain('create');
    expect(families(ra)).not.toContain('AF_INET6');
    expect(rb.network.listen.map((l) => l.port)).toEqual([8080]);
    expect(families(rb)).toContain('AF_INET6');
    expect(rb.files['/tmp/made-by-a/']).toBeUndefined();
    expect(rb.syscalls.x86_64?.mkdir).toBeUndefined();
    expect(ra.syscalls.x86_64?.listen).toBeUndefined();
  }, 300_000);

  it('record --node refuses other tracers and a missing -o with exit 2 and the reason', async () => {
    const strace = await execa(process.execPath, [BIN, 'record', '--node', '--tracer', 'strace', '-o', tmp], {
      reject: false,
    });
    expect(strace.exitCode).toBe(2);
    expect(strace.stderr).toMatch(/record --node records with the ebpf tracer only .*not strace/);
    const noOut = await execa(process.execPath, [BIN, 'record', '--node', '--duration', '1'], { reject: false });
    expect(noOut.exitCode).toBe(2);
    expect(noOut.stderr).toMatch(/name a directory with -o/);
  }, 60_000);

  it('takes one cgroup mid-run (and forgets it) while another keeps recording', async ({ skip }) => {
    if (notWorking) skip(notWorking);
    const seen: NodeCgroup[] = [];
    const ac = new AbortController();
    const rec = await startNodeRecorder({
      workDir: path.join(tmp, 'take'),
      signal: ac.signal,
      onCgroup: (c) => seen.push(c),
    });
    try {
      const a = uniqueName('take-a');
      const b = uniqueName('take-b');
      const loop = (tag: string) =>
        `i=0; while :; do i=$((i+1)); [ -e /tmp/more ] && mkdir -p /tmp/${tag}-after; mkdir -p /tmp/${tag}-$((i % 3)); sleep 0.2; done`;
      await start(a, loop('a'), true);
      await start(b, loop('b'), true);
      const idOf = async (name: string) => {
        const full = (await podman(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
        return waitFor(`the cgroup of ${name}`, () => seen.find((c) => c.path.endsWith(full))?.id, 30_000);
      };
      const [ida, idb] = [await idOf(a), await idOf(b)];
      expect(rec.cgroups().map((c) => c.id)).toEqual(expect.arrayContaining([ida, idb]));
      await sleep(1500);
      const snap = await rec.snapshot(idb, meta('b-so-far'));
      expect(snap?.files['/tmp/b-1/']?.access).toContain('create');
      const ta = await rec.take(ida, meta('a'));
      expect(ta?.files['/tmp/a-1/']?.access).toContain('create');
      expect(ta?.files['/tmp/b-1/']).toBeUndefined();
      expect(rec.cgroups().map((c) => c.id)).not.toContain(ida);
      // after the take: both containers do new work; only b's is still recorded
      expect((await podman(['exec', a, '/bin/touch', '/tmp/more'])).exitCode).toBe(0);
      expect((await podman(['exec', b, '/bin/touch', '/tmp/more'])).exitCode).toBe(0);
      await sleep(1500);
      ac.abort(); // as Ctrl-C: close() finishes every log
      const closed = await rec.close();
      // other tests' containers (containerd pods, podman) may run meanwhile: the recorder takes those too
      expect([...closed.logs.keys()]).toContain(idb);
      expect([...closed.logs.keys()]).not.toContain(ida);
      expect(closed.lost).toMatchObject({ events: 0, counts: 0, cgroups: 0 });
      const { recordingOfLog } = await import('../../src/trace/ebpf-node.js');
      const rb = recordingOfLog(closed.logs.get(idb)!, rec.tracerVersion, meta('b'));
      expect(rb.files['/tmp/b-after/']?.access).toContain('create');
      expect(rb.files['/tmp/more']?.access).toContain('create'); // the podman exec'd touch, from its exec on
      expect(rb.files['/tmp/a-after/']).toBeUndefined();
      expect(rb.executables.some((e) => /runc/.test(e.path))).toBe(false);
    } finally {
      await rec.close();
    }
  }, 300_000);

  it('reports losses per recording (a 4 KiB ring buffer holds three calls of facts)', async ({ skip }) => {
    if (notWorking) skip(notWorking);
    const seen: NodeCgroup[] = [];
    const rec = await startNodeRecorder({
      workDir: path.join(tmp, 'lossy'),
      ringbufBytes: 4096,
      onCgroup: (c) => seen.push(c),
    });
    const name = uniqueName('lossy');
    try {
      // 20,000 distinct files created by one process, a few microseconds apart (a shell loop, tens apart, let an idle
      // loader drain the buffer in time): far more facts than the buffer holds before the loader can drain it
      await start(name, "touch $(seq 1 20000 | sed 's#^#/tmp/f#'); sleep 1");
      const full = (await podman(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
      const id = await waitFor('its cgroup', () => seen.find((c) => c.path.endsWith(full))?.id, 30_000);
      const r = await rec.take(id, meta('lossy'));
      expect(r?.lost?.events).toBeGreaterThan(0);
      expect(r?.warnings.join('\n')).toMatch(/the ebpf tracer lost \d+ events? \(its ring buffer was full\)/);
      expect((await rec.lost()).events).toBeGreaterThan(0);
    } finally {
      await rec.close();
    }
  }, 300_000);

  it('agrees with record --tracer ebpf --container on what the container did once both recorded it', async ({
    skip,
  }) => {
    if (notWorking) skip(notWorking);
    const rec = await startNodeRecorder({ workDir: path.join(tmp, 'agree') });
    const name = uniqueName('agree');
    try {
      await start(
        name,
        'while :; do [ -e /tmp/go ] && mkdir -p /tmp/made && cat /etc/passwd >/dev/null; sleep 0.2; done',
        true,
      );
      const out = path.join(tmp, 'attached.json');
      const t = startCli(['record', '--tracer', 'ebpf', '--container', name, '--engine', 'podman', '-o', out], { env });
      await t.waitFor(/probes attached/, 60_000, 'the probes to attach');
      expect((await podman(['exec', name, '/bin/touch', '/tmp/go'])).exitCode).toBe(0);
      await sleep(1500);
      expect((await t.stop('SIGINT', 60_000)).exitCode, t.output()).toBe(0);
      const attached = readRecording(out);
      const full = (await podman(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
      const id = rec.cgroups().find((c) => c.path.endsWith(full))!.id;
      const node = (await rec.take(id, meta('node')))!;
      // node mode saw the container from its entrypoint's exec, the attach from its attach: what the attach saw, node
      // mode saw too (syscall names, files and their access, executables, socket kinds); node mode has the start more
      expect(syscalls(node)).toEqual(expect.arrayContaining(syscalls(attached)));
      for (const [file, fact] of Object.entries(attached.files))
        expect(node.files[file]?.access, file).toEqual(expect.arrayContaining(fact.access));
      expect(node.executables.map((e) => e.path)).toEqual(
        expect.arrayContaining(attached.executables.map((e) => e.path)),
      );
      expect(families(node)).toEqual(expect.arrayContaining(families(attached)));
      expect(node.files['/tmp/made/']?.access).toContain('create');
      expect(node.files['/etc/passwd']?.access).toContain('read');
    } finally {
      await rec.close();
    }
  }, 300_000);
});
