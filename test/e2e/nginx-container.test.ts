// End to end on a real Debian server: nginx in a container whose rootfs is host directories bind-mounted read-only is
// recorded while it serves, stopped the way `docker stop` stops it, profiled, and replayed under enforcement: it still serves.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeNginxBundle, makeTemp, needRoot, rmTemp, waitForPort } from '../helpers/bundles.js';
import { startBundle } from '../../src/trace/bundle.js';
import { readRecording } from '../../src/recording/io.js';
import { needBuild, profilePaths, tracewall } from './helpers.js';
import { startCli } from '../helpers/cli-process.js';

/** The requests a client makes; the same ones during recording and replay. */
async function exercise(port: number): Promise<string[]> {
  const out: string[] = [];
  for (const p of ['/', '/index.html', '/missing']) {
    const r = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { connection: 'close' } });
    out.push(`${r.status} ${(await r.text()).trim().slice(0, 40)}`);
  }
  return out;
}

const why = needRoot('crun', 'runc', 'strace', 'nginx') ?? needBuild();
if (why) console.warn(`skipped nginx container e2e: ${why}`);

for (const runtime of ['crun', 'runc'] as const) {
  describe.skipIf(why)(`nginx in a host-bind container under ${runtime}`, () => {
    let tmp: string;
    let bundleDir: string;
    let port: number;
    let recorded: string[];
    const name = `nginx-${runtime}`;

    beforeAll(async () => {
      tmp = makeTemp();
      port = await freePort();
      bundleDir = path.join(tmp, 'bundle');
      makeNginxBundle(bundleDir, { port });
      const rec = path.join(tmp, 'rec.json');
      const child = startCli(['record', '--bundle', bundleDir, '--runtime', runtime, '--name', name, '-o', rec]);
      await waitForPort(port, 30_000);
      recorded = await exercise(port);
      const r = await child.stop('SIGTERM', 60_000);
      expect(r.exitCode, child.output()).toBe(0);
      const out = path.join(tmp, 'out');
      fs.mkdirSync(out);
      const g = await tracewall(['generate', '--format', 'oci', '-o', out, rec]);
      expect(g.exitCode, g.stderr).toBe(0);
    });
    afterAll(() => rmTemp(tmp));

    it('recorded the server: its listening socket, config, workers, as the user it ran as', () => {
      expect(recorded).toEqual(['200 hello from nginx', '200 hello from nginx', expect.stringMatching(/^404 /)]);
      const rec = readRecording(path.join(tmp, 'rec.json'));
      expect(rec.warnings.join('\n')).toMatch(/interrupted by SIGTERM/);
      expect(rec.network.listen).toContainEqual({ family: 'AF_INET', address: '127.0.0.1', port });
      expect(rec.files['/run/tracewall/nginx.conf']?.access).toContain('read');
      expect(rec.identity.uids).toEqual([65534]);
      expect(rec.executables.map((e) => e.path)).toEqual(['/usr/sbin/nginx']);
    });

    it('the generated profiles validate: seccomp against the OCI schema, AppArmor with apparmor_parser, the Kubernetes YAML', async () => {
      const p = profilePaths(path.join(tmp, 'out'), name);
      const v = await tracewall(['validate', p.seccomp, p.apparmor, p.k8s]);
      expect(v.stdout).toMatch(/3 files, 0 errors/);
      expect(v.exitCode, v.stdout).toBe(0);
      const k8s = fs.readFileSync(p.k8s, 'utf8');
      expect(k8s).toMatch(/runAsNonRoot: true/);
      expect(k8s).toMatch(/drop:\n\s+- ALL/);
    });

    it('replays under its generated profile, enforced by the same runtime, and still serves', async () => {
      const seccomp = JSON.parse(fs.readFileSync(profilePaths(path.join(tmp, 'out'), name).seccomp, 'utf8'));
      const running = startBundle(bundleDir, runtime, { seccomp, timeoutMs: 60_000 });
      try {
        await waitForPort(port, 20_000);
        expect(await exercise(port)).toEqual(recorded);
      } finally {
        await running.stop('SIGTERM');
      }
      const r = await running.done;
      expect(r.stderr).not.toMatch(/Operation not permitted|emerg|alert/);
      expect(r.exitCode).toBe(0);
    });
  });
}
