// crun and runc run real bundles: output passes through, an injected seccomp profile is enforced (and a missing
// syscall is fatal), timeouts leave nothing behind, and host-bind nginx and redis bundles serve and stop cleanly.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TracewallError } from '../../src/errors.js';
import {
  readBundle,
  runBundle,
  runtimeCommand,
  runtimeVersion,
  startBundle,
  uniqueContainerId,
} from '../../src/trace/bundle.js';
import { runtimeLayer } from '../../src/render/runtime-layers.js';
import {
  containerExists,
  freePort,
  makeBusyboxBundle,
  makeNginxBundle,
  makeRedisBundle,
  scratchDirs,
  needRoot,
  processesInPidNamespace,
  containerPidNamespace,
  waitFor,
  waitForPort,
} from '../helpers/bundles.js';

const { dirFor, remove } = scratchDirs('tracewall-bundle-test-');
afterAll(remove);

/** What busybox-static's `uname -n` needs from its execve on (strace of /bin/busybox uname -n on this machine). */
const UNAME_SYSCALLS = [
  'arch_prctl',
  'brk',
  'execve',
  'exit_group',
  'getrandom',
  'getuid',
  'mprotect',
  'newfstatat',
  'prctl',
  'prlimit64',
  'readlink',
  'rseq',
  'set_robust_list',
  'set_tid_address',
  'uname',
  'write',
];

function allowList(runtime: 'crun' | 'runc', defaultAction: string, names: string[]): object {
  return {
    defaultAction,
    ...(defaultAction === 'SCMP_ACT_ERRNO' ? { defaultErrnoRet: 1 } : {}),
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: [...new Set(names)].sort(), action: 'SCMP_ACT_ALLOW' },
      { names: runtimeLayer(runtime).syscalls, action: 'SCMP_ACT_ALLOW' },
    ],
  };
}

describe('bundles without root', () => {
  it('a bundle without config.json is bad input (exit 2) naming the file', () => {
    const dir = dirFor('noconfig');
    let err: unknown;
    try {
      readBundle(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TracewallError);
    expect((err as TracewallError).exitCode).toBe(2);
    expect((err as Error).message).toContain(path.join(dir, 'config.json'));
    expect((err as Error).message).toContain('not found');
  });

  it('refuses a config without process.args, a symlinked rootfs and a terminal', () => {
    const dir = dirFor('bad');
    fs.mkdirSync(path.join(dir, 'real'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ process: { args: [] }, root: { path: 'real' } }));
    expect(() => readBundle(dir)).toThrow(/expected process\.args to be a non-empty array of strings, found \[\]/);
    fs.symlinkSync('real', path.join(dir, 'rootfs'));
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ process: { args: ['true'] }, root: { path: 'rootfs' } }),
    );
    expect(() => readBundle(dir)).toThrow(/is a symbolic link to .*real; runc refuses that/);
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ process: { args: ['true'], terminal: true }, root: { path: 'real' } }),
    );
    const info = readBundle(dir);
    expect(info).toMatchObject({ argv: ['true'], cwd: '/', uid: 0, gid: 0, hasPidNamespace: false, terminal: true });
    expect(() => runtimeCommand(dir, 'runc', { id: uniqueContainerId() })).toThrow(/process\.terminal is true/);
  });
});

for (const runtime of ['crun', 'runc'] as const) {
  describe(`${runtime} bundles`, () => {
    const why = needRoot(runtime, 'unshare');

    it.skipIf(why)('reports the runtime version', async () => {
      expect(await runtimeVersion(runtime)).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it.skipIf(why)('runs a busybox bundle: stdout, stderr and exit status pass through; nothing is left', async () => {
      const b = makeBusyboxBundle(dirFor(`bb-${runtime}`), {
        args: ['sh', '-c', 'echo "out $$"; echo err >&2; exit 3'],
      });
      const r = await runBundle(b.dir, runtime, { timeoutMs: 20_000 });
      expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false, stdout: 'out 1\n' });
      expect(r.stderr).toContain('err');
      expect(containerExists(runtime, r.id)).toBe(false);
      expect(readBundle(b.dir).config.linux?.seccomp).toBeUndefined();
    });

    it.skipIf(why)('passes stdin and serves loopback inside its own network namespace', async () => {
      const b = makeBusyboxBundle(dirFor(`net-${runtime}`), {
        args: [
          'sh',
          '-c',
          'read line; echo "got $line"; httpd -p 127.0.0.1:8080 -h /www && wget -q -O - http://127.0.0.1:8080/',
        ],
      });
      const r = await runBundle(b.dir, runtime, { stdin: 'hello\n', timeoutMs: 20_000 });
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ exitCode: 0, stdout: 'got hello\nhello from busybox httpd\n' });
    });

    for (const defaultAction of ['SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS']) {
      it.skipIf(why)(
        `enforces an injected allow-list (runtime layer + the entrypoint's syscalls), default ${defaultAction}`,
        async () => {
          // uname is in no runtime layer, so without it the entrypoint alone is denied: an empty name, or SIGSYS.
          const b = makeBusyboxBundle(dirFor(`sec-${runtime}`), { args: ['/bin/uname', '-n'] });
          for (let i = 0; i < 3; i++) {
            const r = await runBundle(b.dir, runtime, {
              seccomp: allowList(runtime, defaultAction, UNAME_SYSCALLS),
              timeoutMs: 20_000,
            });
            expect(r, r.stderr).toMatchObject({ exitCode: 0, stdout: 'busybox\n' });
          }
          const denied = await runBundle(b.dir, runtime, {
            seccomp: allowList(
              runtime,
              defaultAction,
              UNAME_SYSCALLS.filter((s) => s !== 'uname'),
            ),
            timeoutMs: 20_000,
          });
          expect(denied.stdout).not.toBe('busybox\n');
          if (defaultAction === 'SCMP_ACT_KILL_PROCESS')
            expect(denied).toMatchObject({ exitCode: 159, exitSignal: 'SIGSYS', stdout: '' });
          else expect(denied).toMatchObject({ exitCode: 0, stdout: '\n' });
          // the user's bundle is untouched
          expect(readBundle(b.dir).config.linux?.seccomp).toBeUndefined();
        },
      );
    }

    it.skipIf(why)('without noNewPrivileges the runtime needs its larger measured layer', async () => {
      const b = makeBusyboxBundle(dirFor(`nonnp-${runtime}`), { args: ['/bin/uname', '-n'], noNewPrivileges: false });
      const profile = (layer: string[]): object => ({
        defaultAction: 'SCMP_ACT_KILL_PROCESS',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [{ names: [...new Set([...UNAME_SYSCALLS, ...layer])].sort(), action: 'SCMP_ACT_ALLOW' }],
      });
      for (let i = 0; i < 3; i++) {
        const r = await runBundle(b.dir, runtime, {
          seccomp: profile(runtimeLayer(runtime, { noNewPrivileges: false }).syscalls),
          timeoutMs: 20_000,
        });
        expect(r, r.stderr).toMatchObject({ exitCode: 0, stdout: 'busybox\n' });
      }
      const small = await runBundle(b.dir, runtime, {
        seccomp: profile(runtimeLayer(runtime).syscalls),
        timeoutMs: 20_000,
      });
      expect(small.exitCode).not.toBe(0);
    });

    it.skipIf(why)('a timeout kills the container and leaves no process and no state', async () => {
      const b = makeBusyboxBundle(dirFor(`to-${runtime}`), { args: ['sh', '-c', 'sleep 60 & sleep 60; wait'] });
      const started = Date.now();
      const c = startBundle(b.dir, runtime, { timeoutMs: 1_500 });
      const ns = await waitFor('the container to run', () => containerPidNamespace(runtime, c.id));
      await waitFor('sh and two sleeps', () => (processesInPidNamespace(ns).length === 3 ? true : undefined));
      const r = await c.done;
      expect(r.timedOut).toBe(true);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(processesInPidNamespace(ns)).toEqual([]);
      expect(containerExists(runtime, r.id)).toBe(false);
    });

    it.skipIf(needRoot(runtime, 'unshare', 'nginx'))(
      'a host-bind nginx bundle serves on loopback and stops on SIGTERM',
      async () => {
        const port = await freePort();
        const b = makeNginxBundle(dirFor(`nginx-${runtime}`), { port, body: `nginx in ${runtime}\n` });
        const c = startBundle(b.dir, runtime);
        let ns: string;
        try {
          await waitForPort(port, 15_000);
          const res = await fetch(`http://127.0.0.1:${port}/`);
          expect(await res.text()).toBe(`nginx in ${runtime}\n`);
          ns = await waitFor('the container state', () => containerPidNamespace(runtime, c.id));
          expect(processesInPidNamespace(ns).length).toBe(2); // master and one worker
        } finally {
          const r = await c.stop('SIGTERM', 5_000);
          expect(r, r.stderr).toMatchObject({ exitCode: 0, timedOut: false });
        }
        expect(processesInPidNamespace(ns)).toEqual([]);
        expect(containerExists(runtime, c.id)).toBe(false);
      },
    );

    it.skipIf(needRoot(runtime, 'unshare', 'redis-server'))(
      'a host-bind redis bundle answers PING and stops on SIGTERM',
      async () => {
        const port = await freePort();
        const b = makeRedisBundle(dirFor(`redis-${runtime}`), { port });
        const c = startBundle(b.dir, runtime);
        let ns: string;
        try {
          await waitForPort(port, 15_000);
          expect(await redisPing(port)).toBe('+PONG');
          ns = await waitFor('the container state', () => containerPidNamespace(runtime, c.id));
          expect(processesInPidNamespace(ns)).toHaveLength(1);
        } finally {
          const r = await c.stop('SIGTERM', 5_000);
          expect(r, r.stderr).toMatchObject({ exitCode: 0, timedOut: false });
        }
        expect(processesInPidNamespace(ns)).toEqual([]);
        expect(containerExists(runtime, c.id)).toBe(false);
      },
    );
  });
}

/** One RESP round trip: PING, first reply line. */
async function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => sock.write('PING\r\n'));
    let buf = '';
    sock.setTimeout(5_000, () => {
      sock.destroy();
      reject(new Error('redis did not answer'));
    });
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) {
        sock.end();
        resolve(buf.split('\r\n')[0] ?? '');
      }
    });
    sock.on('error', reject);
  });
}
