// End to end with real podman (all its state in a temporary directory): a busybox container (image from `podman
// import`) is recorded with `record --podman` under crun and under runc, profiled, and run again with
// `podman run --security-opt seccomp=PROFILE`: same output, exit 0, and what it never did is refused.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
import {
  busyboxImageTar,
  needEngine,
  podmanEnv,
  podmanWorks,
  run,
  tracewallIn,
  uniqueName,
  type EngineEnv,
} from '../helpers/engines.js';
import { needBuild, profilePaths } from './helpers.js';
import { readRecording } from '../../src/recording/io.js';
import {
  BUSYBOX_PROBES as PROBES,
  BUSYBOX_WEB_OUTPUT as EXPECTED,
  BUSYBOX_WEB_WORKLOAD as WORKLOAD,
} from '../../src/examples/workloads.js';

const why = needEngine('podman') ?? needBuild();

/**
 * crun runs with no_new_privs (`--security-opt no-new-privileges`, as Kubernetes' allowPrivilegeEscalation: false
 * does); runc with podman's defaults (no no_new_privs: runc's larger measured layer).
 */
const VARIANTS = [
  { runtime: 'crun', extra: ['--security-opt', 'no-new-privileges'], nnp: true },
  { runtime: 'crun', extra: [], nnp: false },
  { runtime: 'runc', extra: [], nnp: false },
] as const;

describe.skipIf(why)("podman containers, recorded through tracewall's wrapper runtime", () => {
  let tmp: string;
  let env: EngineEnv;
  let image: string;
  let notWorking: string | undefined;
  const podman = (args: string[]) => run('podman', args, env, { timeoutMs: 60_000 });

  // podman keeps a blob-info cache in /var/lib/containers/cache whatever the storage config says: removed again if new
  const SHARED = '/var/lib/containers';
  let hadShared = true;

  beforeAll(async () => {
    hadShared = fs.existsSync(SHARED);
    tmp = makeTemp('tracewall-podman-');
    env = podmanEnv(tmp);
    image = `localhost/tracewall-e2e/${uniqueName('busybox')}:latest`;
    const imported = await podman(['import', busyboxImageTar(tmp), image]);
    notWorking =
      imported.exitCode === 0
        ? await podmanWorks(env, image, 'runc')
        : `podman import failed: ${imported.stderr.trim()}`;
    if (notWorking) console.warn(`skipped podman e2e: ${notWorking}`);
  });

  afterAll(async () => {
    if (env) await podman(['rmi', '-f', image]);
    if (tmp) rmTemp(tmp);
    if (!hadShared) fs.rmSync(SHARED, { recursive: true, force: true });
  });

  for (const v of VARIANTS) {
    describe(`under ${v.runtime}${v.nnp ? ' with no_new_privs' : ''}`, () => {
      const name = `busybox-podman-${v.runtime}${v.nnp ? '-nnp' : ''}`;
      const runArgs = (...more: string[]) => ['--rm', '--network', 'none', '--cap-add', 'NET_RAW', ...v.extra, ...more];
      let profile: string;
      // crun needs tracewall's wrapper even untraced on a hybrid cgroup host (it hides the cgroup2 mount from crun).
      const runtimeFlag = () =>
        v.runtime === 'crun' ? path.join(env.TRACEWALL_RUNTIME_DIR!, 'podman-runtime-crun') : 'runc';

      beforeAll(async () => {
        if (notWorking) return;
        const rec = path.join(tmp, `${name}.json`);
        const r = await tracewallIn(env, [
          'record',
          '--podman',
          '--runtime',
          v.runtime,
          '--name',
          name,
          '-o',
          rec,
          '--',
          ...runArgs(),
          image,
          '/bin/sh',
          '-c',
          WORKLOAD,
        ]);
        expect(r.stdout).toBe(EXPECTED);
        expect(r.exitCode, r.stderr).toBe(0);
        const out = path.join(tmp, `out-${name}`);
        fs.mkdirSync(out);
        const g = await tracewallIn({}, ['generate', '-o', out, rec]);
        expect(g.exitCode, g.stderr).toBe(0);
        profile = profilePaths(out, name).seccomp;
      });

      it("records the container from its entrypoint on, with podman's runtime and no_new_privs setting", ({ skip }) => {
        if (notWorking) skip(notWorking);
        const rec = readRecording(path.join(tmp, `${name}.json`));
        expect(rec.target).toMatchObject({
          kind: 'podman',
          image,
          runtime: v.runtime,
          argv: ['/bin/sh', '-c', WORKLOAD],
          noNewPrivileges: v.nnp,
        });
        expect(rec.termination).toEqual({ kind: 'exit', code: 0 });
        expect(rec.executables.map((e) => e.argv0)).toEqual(expect.arrayContaining(['cat', 'httpd', 'nc', 'tail']));
        expect(rec.executables.some((e) => /crun|runc|conmon|podman|unshare|strace/.test(e.path))).toBe(false);
        for (const s of ['pivot_root', 'mount', 'seccomp']) expect(rec.syscalls.x86_64?.[s]).toBeUndefined();
        // /bin/sh is a symlink in the image: what the kernel runs, /bin/busybox, is found in the image after the run
        expect(rec.files['/bin/busybox']?.access).toContain('exec');
        // the runtime layer comes from the recording: runc's larger list without no_new_privs; crun's with it is
        // close and execve, which the application made itself, so it adds no rule of its own
        const p = JSON.parse(fs.readFileSync(profile, 'utf8')) as {
          syscalls: Array<{ names: string[]; action: string; comment?: string }>;
        };
        const allowed = p.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW').flatMap((s) => s.names);
        if (v.runtime === 'runc')
          expect(p.syscalls.find((s) => s.comment?.startsWith('runtime layer: runc'))?.names).toEqual(
            expect.arrayContaining(['capset', 'setgroups']),
          );
        else expect(allowed).toEqual(expect.arrayContaining(['close', 'execve']));
      });

      it('runs again with `podman run --security-opt seccomp=PROFILE`: same output, exit 0', async ({ skip }) => {
        if (notWorking) skip(notWorking);
        const r = await podman([
          '--runtime',
          runtimeFlag(),
          'run',
          ...runArgs('--security-opt', `seccomp=${profile}`),
          image,
          '/bin/sh',
          '-c',
          WORKLOAD,
        ]);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(EXPECTED);
        expect(r.exitCode).toBe(0);
      });

      for (const probe of PROBES) {
        it(`refuses what it never did: ${probe.what}`, async ({ skip }) => {
          if (notWorking) skip(notWorking);
          const free = await podman([
            '--runtime',
            runtimeFlag(),
            'run',
            ...runArgs('--security-opt', 'seccomp=unconfined'),
            image,
            ...probe.args,
          ]);
          expect(free.stderr).not.toMatch(/Operation not permitted/);
          const confined = await podman([
            '--runtime',
            runtimeFlag(),
            'run',
            ...runArgs('--security-opt', `seccomp=${profile}`),
            image,
            ...probe.args,
          ]);
          expect(confined.exitCode).not.toBe(0);
          expect(confined.stderr).toMatch(/Operation not permitted/);
        });
      }
    });
  }

  it('passes the exit status through and leaves no container or session behind', async ({ skip }) => {
    if (notWorking) skip(notWorking);
    const rec = path.join(tmp, 'exit.json');
    const r = await tracewallIn(env, [
      'record',
      '--podman',
      '--runtime',
      'runc',
      '-o',
      rec,
      '--',
      '--rm',
      '--network',
      'none',
      image,
      '/bin/sh',
      '-c',
      'echo out; exit 42',
    ]);
    expect(r.exitCode, r.stderr).toBe(42);
    expect(r.stdout).toBe('out\n');
    expect(readRecording(rec).termination).toEqual({ kind: 'exit', code: 42 });
    expect((await podman(['ps', '-aq'])).stdout.trim()).toBe('');
    for (const rt of ['crun', 'runc'])
      expect(fs.readdirSync(path.join(env.TRACEWALL_RUNTIME_DIR!, `podman-runtime-${rt}.sessions`))).toEqual([]);
  });
});
