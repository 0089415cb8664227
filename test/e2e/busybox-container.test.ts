// End to end on real tools: a busybox container is recorded under crun and runc, profiled, replayed with its generated
// seccomp profile enforced by the same runtime (same output), and refused what it never did.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';
import { runBundle } from '../../src/trace/bundle.js';
import { readRecording } from '../../src/recording/io.js';
import { needBuild, profilePaths, tracewall } from './helpers.js';

// Shell, file writes and a rename, a small HTTP server and a client over loopback. httpd binds before it daemonises,
// so the client never races it; the container ends when sh (pid 1) exits, which takes the daemon with it.
// The client is nc, not wget: busybox wget calls poll() only when a read would block, so whether poll shows up
// depends on timing (a tracer slows the server down); nc always polls. Replays must not depend on luck.
const WORKLOAD = [
  'set -e',
  'cd /tmp',
  'echo "hello tracewall" > page.txt',
  'mv page.txt index.html',
  'cat index.html',
  'httpd -p 127.0.0.1:8080 -h /tmp',
  "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8080 | tail -n 1",
  'echo done',
].join('\n');
const EXPECTED = 'hello tracewall\nhello tracewall\ndone\n';

// Things the workload never did: each must work without the profile and be refused (EPERM) under it.
const PROBES: Array<{ what: string; args: string[] }> = [
  { what: 'mkdir in a new place', args: ['/bin/mkdir', '/tmp/never-made'] },
  { what: 'unshare (a new user namespace)', args: ['/bin/unshare', '-U', '/bin/true'] },
  { what: 'a socket of another family (AF_PACKET)', args: ['/bin/arping', '-c', '1', '-w', '1', '-I', 'lo', '127.0.0.1'] },
];

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
      const r = await tracewall(['record', '--bundle', bundleDir, '--runtime', runtime, '--name', name, '-o', rec]);
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
      expect(rec.target).toMatchObject({ kind: 'bundle', runtime, argv: ['/bin/sh', '-c', WORKLOAD], noNewPrivileges: true });
      expect(rec.termination).toEqual({ kind: 'exit', code: 0 });
      const execs = rec.executables.map((e) => e.argv0).sort();
      expect(execs).toEqual(expect.arrayContaining(['cat', 'httpd', 'nc', 'tail']));
      expect(rec.executables.some((e) => /crun|runc|unshare/.test(e.path))).toBe(false);
      expect(rec.files['/tmp/index.html']?.access).toEqual(expect.arrayContaining(['read', 'create']));
      expect(rec.files['/tmp/page.txt']?.access).toEqual(expect.arrayContaining(['create', 'write', 'rename']));
      expect(rec.network.sockets).toContainEqual({ family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' });
      expect(rec.network.bind.map((b) => b.port)).toContain(8080);
      // the runtime's own setup (mount, pivot_root, seccomp) is not the application's
      for (const s of ['pivot_root', 'mount', 'seccomp', 'unshare']) expect(rec.syscalls.x86_64?.[s]).toBeUndefined();
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
