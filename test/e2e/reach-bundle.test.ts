// `reach` for containers: programs are analysed in the bundle's file system, not the host's. A busybox rootfs (its
// /bin/sh is busybox, static; the host's is dash, dynamic) and a host-bind rootfs (nginx and its libraries are only
// reachable through the bundle's bind mounts: the rootfs's own /usr is an empty mount point).
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeBusyboxBundle, makeHostBindBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';
import { BIN, needBuild } from './helpers.js';
import type { ReachReport } from '../../src/reach/types.js';

const why = needRoot('crun', 'strace', 'nginx') ?? needBuild();
if (why) console.warn(`skipped reach bundle e2e: ${why}`);

describe.skipIf(why)('reach in a bundle’s own file system', () => {
  let tmp: string;
  const run = async (args: string[]) => {
    const r = await execa(process.execPath, [BIN, ...args], {
      reject: false,
      stdin: 'ignore',
      timeout: 300_000,
      env: { TRACEWALL_CACHE_DIR: path.join(tmp, 'cache') },
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return String(r.stdout);
  };
  const reach = async (file: string) => JSON.parse(await run(['reach', '--format', 'json', file])) as ReachReport;

  beforeAll(() => {
    tmp = makeTemp();
  });
  afterAll(() => rmTemp(tmp));

  it("busybox's /bin/sh is the static busybox of the rootfs; a bundle that is gone is said so", async () => {
    const dir = path.join(tmp, 'busybox');
    makeBusyboxBundle(dir, { args: ['/bin/sh', '-c', 'echo hi'] });
    const rec = path.join(tmp, 'busybox.json');
    await run(['record', '--bundle', dir, '--runtime', 'crun', '-o', rec]);
    const sh = (await reach(rec)).executables.find((e) => e.path === '/bin/sh')!;
    expect(sh).toMatchObject({ root: `bundle:${dir}`, resolved: '/bin/busybox', analysed: true });
    expect(sh.why).toMatch(/^statically linked/);
    const reboot = sh.reachableNotObserved.find((u) => u.syscall === 'reboot');
    expect(reboot?.evidence.every((e) => e.startsWith('/bin/busybox: '))).toBe(true);
    fs.rmSync(dir, { recursive: true });
    const gone = (await reach(rec)).executables.find((e) => e.path === '/bin/sh')!;
    expect(gone).toMatchObject({ analysed: false });
    expect(gone.why).toMatch(/bundle cannot be read any more/);
  });

  it('nginx and its libraries are found through the bind mounts of the bundle', async () => {
    const dir = path.join(tmp, 'nginx');
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path /tmp/${t};`);
    const conf = `pid /tmp/nginx.pid;\nevents {}\nhttp { access_log off; ${temps.join(' ')} server { listen 127.0.0.1:${await freePort()}; } }\n`;
    const b = makeHostBindBundle(dir, {
      args: ['/usr/sbin/nginx', '-t', '-q', '-p', '/tmp/', '-e', 'stderr', '-c', '/run/tracewall/nginx.conf'],
      files: { 'nginx.conf': conf },
      user: { uid: 65534, gid: 65534 },
    });
    expect(fs.readdirSync(path.join(b.rootfs, 'usr'))).toEqual([]); // only the bind mount holds nginx
    const rec = path.join(tmp, 'nginx.json');
    await run(['record', '--bundle', dir, '--runtime', 'crun', '-o', rec]);
    const ng = (await reach(rec)).executables.find((e) => e.path === '/usr/sbin/nginx')!;
    expect(ng).toMatchObject({ root: `bundle:${dir}`, analysed: true });
    expect(ng.why).toMatch(/^dynamically linked: .*libc\.so\.6/);
    expect(ng.reachableNotObserved.some((u) => u.evidence.some((e) => /libc\.so\.6: /.test(e)))).toBe(true);
  });
});
