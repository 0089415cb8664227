// End to end: the RuntimeClass handler. `runtime install --containerd` writes the wrapper and prints containerd's config
// for handler tracewall-record, which a private containerd loads as printed; a pod run with that handler (as the
// kubelet does for runtimeClassName: tracewall-record) is recorded from its entrypoint's exec to its end, runtime layer
// excluded, into DIR/recordings/NAMESPACE/POD/CONTAINER.recording.json: when the container exits, and when the pod is
// stopped under a container that would run forever.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp, waitFor } from '../helpers/bundles.js';
import {
  BUSYBOX_IMAGE,
  containerLog,
  importImages,
  leftovers,
  needContainerd,
  removePod,
  runContainer,
  runPod,
  startContainerd,
  verifyReleased,
  waitExited,
  type PrivateContainerd,
} from '../helpers/containerd.js';
import { needBuild, tracewall } from './helpers.js';
import { BUSYBOX_PROBES } from '../../src/examples/workloads.js';
import { readRecording } from '../../src/recording/io.js';

const JOB = ['set -e', 'cd /tmp', 'echo "hello handler" > page.txt', 'mv page.txt index.html', 'cat index.html'].join(
  '\n',
);

/** The job, then each probe with its exit status (log mode: they all work), then what they said. */
const JOB_AND_PROBES = [
  JOB.replace('set -e\n', ''),
  ...BUSYBOX_PROBES.map((p) => `${p.args.join(' ')} 2>>/tmp/err; echo "probe ${p.args[0]}: $?"`),
  'cat /tmp/err',
].join('\n');

const why = needContainerd('strace') ?? needBuild();
if (why) console.warn(`skipped runtime handler e2e: ${why}`);

describe.skipIf(why)('runtime install --containerd: pods of RuntimeClass tracewall-record', () => {
  let dir: string;
  let ctd: PrivateContainerd;
  let printed = '';
  const node = (): string => path.join(dir, 'node');
  const recordingOf = (pod: string, container: string): string =>
    path.join(node(), 'recordings', 'staging', pod, `${container}.recording.json`);

  /** What the wrapper's sessions hold (strace's errors, the finisher's output), for a failure message. */
  const sessions = (): string => {
    const dirOf = path.join(node(), 'sessions');
    if (!fs.existsSync(dirOf)) return 'no sessions directory';
    return fs
      .readdirSync(dirOf)
      .map((s) => {
        const files = fs.readdirSync(path.join(dirOf, s));
        const text = (f: string): string =>
          files.includes(f) ? fs.readFileSync(path.join(dirOf, s, f), 'utf8').trim() : '-';
        return `${s}: [${files.join(' ')}] strace.err: ${text('strace.err')} finish.log: ${text('finish.log')}`;
      })
      .join('; ');
  };

  beforeAll(async () => {
    dir = makeTemp('tracewall-k8s-handler-');
    const endpoint = `unix://${path.join(dir, 'containerd.sock')}`;
    const r = await tracewall(['runtime', 'install', '--containerd', '--dir', node(), '--runtime-endpoint', endpoint]);
    expect(r.exitCode, r.stderr).toBe(0);
    printed = r.stdout;
    const toml = printed.split('# --- Kubernetes')[0]!;
    ctd = await startContainerd(dir, { runtimesToml: toml });
    await importImages(ctd);
  });

  afterAll(async () => {
    await ctd?.stop();
    if (ctd) expect(leftovers(ctd)).toEqual({ shims: [], mounts: [] });
    if (dir) rmTemp(dir);
  });

  it('writes an executable wrapper and prints the handler config and the RuntimeClass', () => {
    const st = fs.statSync(path.join(node(), 'runc-record'));
    expect(st.mode & 0o111).toBe(0o111);
    expect(printed).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tracewall-record]');
    expect(printed).toContain(`BinaryName = ${JSON.stringify(path.join(node(), 'runc-record'))}`);
    expect(printed).toMatch(/kind: RuntimeClass\nmetadata:\n {2}name: tracewall-record\nhandler: tracewall-record\n/);
  });

  it('records a container of the handler from its entrypoint to its end', async () => {
    const pod = await runPod(ctd, 'staging', 'web', { runtimeHandler: 'tracewall-record' });
    const id = await runContainer(ctd, pod, { name: 'main', command: ['/bin/sh', '-c', JOB] });
    expect((await waitExited(ctd, id)).exit_code).toBe(0);
    expect(containerLog(pod, 'main')).toBe('hello handler');
    const file = recordingOf('web', 'main');
    await waitFor('the recording', () => (fs.existsSync(file) ? true : undefined), 30_000);
    await removePod(ctd, pod);
    const rec = readRecording(file);
    expect(rec.name).toBe('staging-web-main');
    expect(rec.target).toMatchObject({
      kind: 'cri',
      runtimeHandler: 'tracewall-record',
      criRuntime: expect.stringMatching(/^containerd \d/),
      pod: { namespace: 'staging', name: 'web', uid: pod.uid, labels: { app: 'web' } },
      container: 'main',
      containerId: id,
      image: BUSYBOX_IMAGE,
      runtime: 'runc',
      argv: ['/bin/sh', '-c', JOB],
    });
    expect(rec.termination).toEqual({ kind: 'exit', code: 0 });
    // busybox sh re-runs itself for applets: its binary is executable too
    expect(rec.files['/bin/sh']?.access).toContain('exec');
    const names = Object.keys(rec.syscalls.x86_64 ?? {});
    expect(names).toEqual(expect.arrayContaining(['rename', 'execve', 'openat']));
    // runc's own work (its init, the fifo, the capability and uid setup) is not the application's
    expect(names).not.toContain('capset');
    expect(names).not.toContain('setgroups');
    // the entrypoint, and busybox sh running its applets through /proc/self/exe: no runc init
    expect(rec.executables.map((e) => e.path)).toEqual(['/bin/sh', '/proc/self/exe']);
    // the pod sandbox (pause) of the handler is not recorded
    expect(fs.readdirSync(path.join(node(), 'recordings', 'staging', 'web'))).toEqual(['main.recording.json']);
  });

  it('verify --pod ties every record of a handler container to it by its audit session', async () => {
    for (const [name, action] of [
      ['web', 'errno'],
      ['web-log', 'log'],
    ] as const) {
      const g = await tracewall([
        'generate',
        '-o',
        path.join(dir, 'profiles'),
        '--name',
        name,
        '--default-action',
        action,
        recordingOf('web', 'main'),
      ]);
      expect(g.exitCode, g.stderr).toBe(0);
    }
    const logProfile = path.join(dir, 'kubelet', 'seccomp', 'profiles', 'web-log.seccomp.json');
    fs.mkdirSync(path.dirname(logProfile), { recursive: true });
    fs.copyFileSync(path.join(dir, 'profiles', 'web-log.seccomp.json'), logProfile);
    const go = path.join(dir, 'signal');
    fs.mkdirSync(go);
    const pod = await runPod(ctd, 'staging', 'web-verify', { runtimeHandler: 'tracewall-record' });
    const id = await runContainer(ctd, pod, {
      name: 'main',
      command: ['/bin/sh', '-c', ['while [ ! -e /signal/go ]; do sleep 0.1; done', JOB_AND_PROBES].join('\n')],
      mounts: { [go]: '/signal' },
      noNewPrivs: true,
      seccompLocalhost: logProfile,
    });
    const { t, done } = await verifyReleased(
      ctd,
      'staging/web-verify',
      path.join(dir, 'profiles', 'web.seccomp.json'),
      go,
      ['--handler-dir', node()],
    );
    expect((await waitExited(ctd, id)).exit_code).toBe(0);
    expect(containerLog(pod, 'main')).toMatch(/probe \/bin\/unshare: 0/);
    await removePod(ctd, pod);
    expect(done.exitCode, t.output()).toBe(1);
    const report = JSON.parse(done.stdout) as {
      attribution: string;
      denials: Array<{ syscall: string; origin: string }>;
    };
    expect(report.attribution).toBe('audit-session');
    const denied = report.denials.filter((d) => d.origin === 'app').map((d) => d.syscall);
    expect(denied).toEqual(expect.arrayContaining(['mkdir', 'unshare', 'socket']));
  });

  it('writes the recording when the pod is stopped under a container that runs on', async () => {
    const pod = await runPod(ctd, 'staging', 'daemon', { runtimeHandler: 'tracewall-record' });
    const id = await runContainer(ctd, pod, {
      name: 'loop',
      command: ['/bin/sh', '-c', 'while :; do cat /etc/hostname > /dev/null; sleep 0.2; done'],
    });
    for (let i = 0; i < 300; i++) {
      const { status } = await ctd.cri.call('ContainerStatus', { container_id: id });
      if (status?.state === 'CONTAINER_RUNNING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    await ctd.cri.call('StopPodSandbox', { pod_sandbox_id: pod.sandboxId }, 60_000);
    const file = recordingOf('daemon', 'loop');
    await waitFor('the recording', () => (fs.existsSync(file) ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; the sessions say: ${sessions()}`);
    });
    await ctd.cri.call('RemovePodSandbox', { pod_sandbox_id: pod.sandboxId }, 60_000);
    const rec = readRecording(file);
    expect(rec.target).toMatchObject({ kind: 'cri', container: 'loop', pod: { name: 'daemon' } });
    expect(rec.termination).toEqual({ kind: 'signal', signal: 'SIGKILL' });
    expect(Object.keys(rec.files)).toContain('/etc/hostname');
  });
});

describe.skipIf(why)('runtime install --containerd at the node default', () => {
  it('writes /var/lib/tracewall/runc-record, executable, and leaves a wrapper of its own alone', async () => {
    const wrapper = '/var/lib/tracewall/runc-record';
    // what this test creates is removed again, and only that (other tests may use the directory meanwhile)
    const created = ['/var/lib/tracewall', wrapper, '/var/lib/tracewall/sessions'].filter((p) => !fs.existsSync(p));
    try {
      const r = await tracewall(['runtime', 'install', '--containerd']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(fs.statSync(wrapper).mode & 0o777).toBe(0o755);
      expect(fs.readFileSync(wrapper, 'utf8')).toContain("'runtime' 'finish' '--dir' '/var/lib/tracewall'");
      expect(r.stdout).toContain(`BinaryName = "${wrapper}"`);
      expect(r.stderr).toContain('/var/lib/tracewall/recordings/NAMESPACE/POD/CONTAINER.recording.json');
      const again = await tracewall(['runtime', 'install', '--containerd']);
      expect(again.exitCode, again.stderr).toBe(0);
    } finally {
      for (const p of [...created].reverse()) {
        try {
          if (fs.statSync(p).isDirectory()) fs.rmdirSync(p);
          else fs.rmSync(p);
        } catch {
          // not empty (another test's files), or gone
        }
      }
    }
  });
});
