// End to end on real tools: a busybox container is recorded under crun and runc, profiled, replayed with its generated
// seccomp profile enforced by the same runtime (same output), and refused what it never did.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';
import { runBundle } from '../../src/trace/bundle.js';
import { readRecording } from '../../src/recording/io.js';
import { needBuild, profilePaths, tracewall } from './helpers.js';
import {
  BUSYBOX_PROBES as PROBES,
  BUSYBOX_WEB_OUTPUT as EXPECTED,
  BUSYBOX_WEB_WORKLOAD as WORKLOAD,
} from '../../src/examples/workloads.js';

const why = needRoot('crun', 'runc', 'strace') ?? needBuild();
if (why) console.warn(`skipped busybox container e2e: ${why}`);

for (const runtime of ['crun', 'runc'] as const) {
  describe.skipIf(why)(`busybox container under ${runtime}`, () => {
    let tmp: string;
    let bundleDir: string;
    let seccomp: object;
    const name = `busybox-${runtime}`;

    beforeAll(async () => {
      tmp = makeTemp();
      bundleDir = path.join(tmp, 'bundle');
      // Docker's default capabilities include NET_RAW: the AF_PACKET probe must be refused by seccomp, not by a missing capability.
      makeBusyboxBundle(bundleDir, { args: ['/bin/sh', '-c', WORKLOAD], addCapabilities: ['CAP_NET_RAW'] });
      const rec = path.join(tmp, 'rec.json');
      const r = await tracewall([
        'record',
        '--bundle',
        bundleDir,
        '--runtime',
        runtime,
        '--name',
        name,
        '-o',
        rec,
        '--keep-log',
        path.join(tmp, 'strace.log'),
      ]);
      expect(r.stdout).toBe(EXPECTED);
      expect(r.exitCode, r.stderr).toBe(0);
      const out = path.join(tmp, 'out');
      fs.mkdirSync(out);
      const g = await tracewall(['generate', '--format', 'oci', '-o', out, rec]);
      expect(g.exitCode, g.stderr).toBe(0);
      seccomp = JSON.parse(fs.readFileSync(profilePaths(out, name).seccomp, 'utf8'));
    });
    afterAll(() => rmTemp(tmp));

    it('records only the container: the entrypoint and what it ran, none of the runtime', () => {
      const rec = readRecording(path.join(tmp, 'rec.json'));
      expect(rec.target).toMatchObject({
        kind: 'bundle',
        runtime,
        argv: ['/bin/sh', '-c', WORKLOAD],
        noNewPrivileges: true,
      });
      expect(rec.termination).toEqual({ kind: 'exit', code: 0 });
      const execs = rec.executables.map((e) => e.argv0).sort();
      expect(execs).toEqual(expect.arrayContaining(['cat', 'httpd', 'nc', 'tail']));
      expect(rec.executables.some((e) => /crun|runc|unshare/.test(e.path))).toBe(false);
      expect(rec.files['/tmp/index.html']?.access).toEqual(expect.arrayContaining(['read', 'create']));
      // AppArmor matches exec on the resolved path: /bin/sh and /proc/self/exe are the busybox binary
      expect(rec.files['/bin/busybox']?.access).toContain('exec');
      expect(rec.files['/tmp/page.txt']?.access).toEqual(expect.arrayContaining(['create', 'write', 'rename']));
      expect(rec.network.sockets).toContainEqual({ family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' });
      expect(rec.network.bind.map((b) => b.port)).toContain(8080);
      // the runtime's own setup (mount, pivot_root, seccomp) is not the application's
      for (const s of ['pivot_root', 'mount', 'seccomp', 'unshare']) expect(rec.syscalls.x86_64?.[s]).toBeUndefined();
    });

    it('is deterministic: the same trace gives the same recording bytes, the same recording the same profile bytes', async () => {
      const again = async (i: number) => {
        const rec = path.join(tmp, `again-${i}.json`);
        const r = await tracewall([
          'record',
          '--from-log',
          path.join(tmp, 'strace.log'),
          '--bundle',
          bundleDir,
          '--runtime',
          runtime,
          '--name',
          name,
          '-o',
          rec,
        ]);
        expect(r.exitCode, r.stderr).toBe(0);
        const out = path.join(tmp, `again-${i}`);
        fs.mkdirSync(out);
        expect((await tracewall(['generate', '--format', 'oci', '-o', out, rec])).exitCode).toBe(0);
        return [rec, ...Object.values(profilePaths(out, name))].map((f) => fs.readFileSync(f, 'utf8'));
      };
      const [a, b] = [await again(1), await again(2)];
      expect(b).toEqual(a);
      // the recording made live and the one rebuilt from its log describe the same run
      const live = readRecording(path.join(tmp, 'rec.json'));
      const rebuilt = JSON.parse(a[0]!);
      expect(rebuilt.syscalls).toEqual(live.syscalls);
      expect(rebuilt.files).toEqual(live.files);
      // the log keeps the tracer's version, so the rebuilt recording is the live one byte for byte
      expect(rebuilt.tracer).toEqual(live.tracer);
      expect(live.tracer.version).not.toBe('unknown');
      expect(a[0]).toBe(fs.readFileSync(path.join(tmp, 'rec.json'), 'utf8'));
      expect(fs.readFileSync(profilePaths(path.join(tmp, 'out'), name).seccomp, 'utf8')).toBe(a[1]);
    });

    it('replays under its generated profile, enforced by the same runtime: same output, exit 0', async () => {
      const r = await runBundle(bundleDir, runtime, { seccomp, timeoutMs: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(EXPECTED);
      expect(r.exitCode).toBe(0);
    });

    for (const probe of PROBES) {
      it(`refuses what it never did: ${probe.what}`, async () => {
        const dir = path.join(tmp, `probe-${probe.args[0]!.split('/').pop()}`);
        fs.mkdirSync(dir);
        makeBusyboxBundle(dir, { args: probe.args, addCapabilities: ['CAP_NET_RAW'] });
        const free = await runBundle(dir, runtime, { timeoutMs: 30_000 });
        expect(free.stderr).not.toMatch(/Operation not permitted/);
        const confined = await runBundle(dir, runtime, { seccomp, timeoutMs: 30_000 });
        expect(confined.exitCode).not.toBe(0);
        expect(confined.stderr).toMatch(/Operation not permitted/);
      });
    }
  });
}
