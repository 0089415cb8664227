// End to end with real engines and bpftrace: `record --container` attaches to a busybox container that is already
// running (docker, and podman under runc), while an `exec` into it makes the loop do what its start never does
// (mkdir). Merged with a recording of the container's start, the profile runs the whole thing under
// `ENGINE run --security-opt seccomp=PROFILE`; the start alone is refused at mkdir; what neither did stays refused.
import fs from 'node:fs';
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
  startDockerd,
  tracewallIn,
  uniqueName,
  type EngineEnv,
  type PrivateDockerd,
} from '../helpers/engines.js';
import { needBuild, profilePaths } from './helpers.js';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { readRecording } from '../../src/recording/io.js';

/** The container's loop: reads a file; when /tmp/go appears, makes and removes a directory; LIMIT ends it. */
const LOOP = [
  'n=0',
  'while [ ! -e /tmp/stop ]; do',
  '  cat /etc/hostname >/dev/null',
  '  if [ -e /tmp/go ]; then mkdir /tmp/made && rmdir /tmp/made && rm /tmp/go && echo made || exit 3; fi',
  '  n=$((n+1)); if [ -n "$LIMIT" ] && [ $n -ge $LIMIT ]; then break; fi',
  '  sleep 0.1',
  'done',
].join('\n');

interface EngineCase {
  engine: 'docker' | 'podman';
  /** Skip reason, else undefined. */
  why: () => string | undefined;
  setup: (
    tmp: string,
  ) => Promise<{ env: EngineEnv; cli: string[]; recordFlags: string[]; stop: () => Promise<void> } | string>;
}

const CASES: EngineCase[] = [
  {
    engine: 'docker',
    why: () => needEngine('docker'),
    setup: async (tmp) => {
      let d: PrivateDockerd;
      try {
        d = await startDockerd(tmp);
      } catch (err) {
        return `dockerd could not start: ${(err as Error).message}`;
      }
      return { env: d.env, cli: ['docker'], recordFlags: ['--docker'], stop: d.stop };
    },
  },
  {
    engine: 'podman',
    why: () => needEngine('podman'),
    setup: async (tmp) => ({
      env: podmanEnv(tmp),
      cli: ['podman', '--runtime', 'runc'],
      recordFlags: ['--podman', '--runtime', 'runc'],
      stop: async () => {},
    }),
  },
];

for (const c of CASES) {
  const why = c.why() ?? needBuild() ?? bpftraceBlocker() ?? undefined;
  if (why) console.warn(`skipped ${c.engine} attach e2e: ${why}`);

  describe.skipIf(why)(`record --container with ${c.engine}`, () => {
    let tmp: string;
    let env: EngineEnv;
    let cli: string[];
    let stopEngine = async (): Promise<void> => {};
    let notWorking: string | undefined;
    let image: string;
    let container: string;
    const engine = (args: string[]) => run(cli[0]!, [...cli.slice(1), ...args], env, { timeoutMs: 60_000 });
    const out = () => path.join(tmp, 'out');

    beforeAll(async () => {
      tmp = makeTemp(`tracewall-attach-${c.engine}-`);
      const s = await c.setup(tmp);
      if (typeof s === 'string') {
        notWorking = s;
        console.warn(`skipped ${c.engine} attach e2e: ${s}`);
        return;
      }
      ({ env, cli } = s);
      stopEngine = s.stop;
      image = `localhost/tracewall-e2e/${uniqueName('busybox')}:latest`;
      const imported = await run(c.engine, ['import', busyboxImageTar(tmp), image], env, { timeoutMs: 60_000 });
      if (imported.exitCode !== 0) {
        notWorking = `${c.engine} import failed: ${imported.stderr.trim()}`;
        return;
      }
      if (c.engine === 'podman') notWorking = await podmanWorks(env, image, 'runc');
      if (notWorking) {
        console.warn(`skipped ${c.engine} attach e2e: ${notWorking}`);
        return;
      }

      // 1. the start of the container's work, recorded from its entrypoint (three rounds, no /tmp/go)
      const start = path.join(tmp, 'start.json');
      const r1 = await tracewallIn(env, [
        'record',
        ...s.recordFlags,
        '--name',
        'loop',
        '-o',
        start,
        '--',
        '--rm',
        '--network',
        'none',
        '-e',
        'LIMIT=3',
        image,
        '/bin/sh',
        '-c',
        LOOP,
      ]);
      expect(r1.exitCode, r1.stderr).toBe(0);

      // 2. the same loop running untraced; tracewall attaches, and an exec into the container makes it mkdir
      const started = await engine(['run', '-d', '--network', 'none', image, '/bin/sh', '-c', LOOP]);
      expect(started.exitCode, started.stderr).toBe(0);
      container = started.stdout.trim();
      const attached = path.join(tmp, 'attached.json');
      const t = startCli(
        ['record', '--container', container, '--engine', c.engine, '--duration', '4', '-o', attached],
        { env },
      );
      await t.waitFor(/probes attached/, 60_000, 'the probes to attach');
      expect(t.output()).toMatch(/probes attached/);
      const ex = await engine(['exec', container, '/bin/touch', '/tmp/go']);
      expect(ex.exitCode, ex.stderr).toBe(0);
      const done = await t.exited(60_000); // --duration 4
      expect(done.exitCode, t.output()).toBe(0);
      const logs = await engine(['logs', container]);
      expect(logs.stdout).toContain('made');

      // 3. profiles: the start alone, and the start merged with the attached recording
      fs.mkdirSync(out());
      const m = await tracewallIn({}, [
        'merge',
        '-o',
        path.join(tmp, 'merged.json'),
        '--name',
        'merged',
        start,
        attached,
      ]);
      expect(m.exitCode, m.stderr).toBe(0);
      for (const rec of [start, path.join(tmp, 'merged.json')]) {
        const g = await tracewallIn({}, ['generate', '-o', out(), rec]);
        expect(g.exitCode, g.stderr).toBe(0);
      }
    });

    afterAll(async () => {
      if (container) await engine(['rm', '-f', container]);
      if (image && env) await run(c.engine, ['rmi', '-f', image], env);
      await stopEngine();
      if (tmp) rmTemp(tmp);
    });

    it('records the running container from the attach on, the exec from its exec on, and leaves it running', async ({
      skip,
    }) => {
      if (notWorking) skip(notWorking);
      const rec = readRecording(path.join(tmp, 'attached.json'));
      expect(rec.target).toMatchObject({
        kind: c.engine,
        image,
        runtime: 'runc',
        argv: ['/bin/sh', '-c', LOOP],
        attached: { container },
      });
      const names = Object.keys(rec.syscalls.x86_64 ?? {});
      expect(names).toEqual(expect.arrayContaining(['mkdir', 'rmdir', 'unlink', 'openat', 'wait4']));
      // the exec'd touch is there, the runtime's setup of it (namespaces, filter, capabilities) is not
      expect(rec.files['/tmp/go']?.access).toEqual(expect.arrayContaining(['create']));
      // (runc's init of the exec installs the filter and sets capabilities in the namespace, before its exec)
      for (const s of ['seccomp', 'capset']) expect(names).not.toContain(s);
      const state = await engine(['inspect', '--format', '{{.State.Running}}', container]);
      expect(state.stdout.trim()).toBe('true');
      // no tracer left behind on this container's init
      const init = rec.target.kind === c.engine ? String(rec.target.attached?.pid) : '';
      const tracers = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
            const at = argv.findIndex((a) => a.endsWith('tracewall.bt'));
            return at >= 0 && argv[at + 1] === init;
          } catch {
            return false;
          }
        });
      expect(init).not.toBe('');
      expect(tracers).toEqual([]);
    });

    it('refuses a container the engine does not know, exit 2, naming it', async ({ skip }) => {
      if (notWorking) skip(notWorking);
      const r = await tracewallIn(env, [
        'record',
        '--container',
        'tracewall-no-such-container',
        '--engine',
        c.engine,
        '-o',
        path.join(tmp, 'none.json'),
      ]);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--container tracewall-no-such-container: no such container \(/);
      expect(fs.existsSync(path.join(tmp, 'none.json'))).toBe(false);
    });

    it('the start alone is refused at mkdir; merged with the attached recording the whole loop runs', async ({
      skip,
    }) => {
      if (notWorking) skip(notWorking);
      // /tmp/go made by a redirection (the start's own kind of open), so the first refused call is mkdir
      const script = `: > /tmp/go\n${LOOP}`;
      const startOnly = profilePaths(out(), 'loop').seccomp;
      const merged = profilePaths(out(), 'merged').seccomp;
      const refused = await engine([
        'run',
        '--rm',
        '--network',
        'none',
        '-e',
        'LIMIT=3',
        '--security-opt',
        `seccomp=${startOnly}`,
        image,
        '/bin/sh',
        '-c',
        script,
      ]);
      expect(refused.exitCode, `${refused.stdout}\n${refused.stderr}`).toBe(3);
      expect(refused.stderr).toMatch(/mkdir.*Operation not permitted/);
      const ok = await engine([
        'run',
        '--rm',
        '--network',
        'none',
        '-e',
        'LIMIT=3',
        '--security-opt',
        `seccomp=${merged}`,
        image,
        '/bin/sh',
        '-c',
        script,
      ]);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toBe('made\n');
      expect(ok.exitCode).toBe(0);
      // what neither run did stays refused
      const free = await engine([
        'run',
        '--rm',
        '--network',
        'none',
        '--security-opt',
        'seccomp=unconfined',
        image,
        '/bin/unshare',
        '-U',
        '/bin/true',
      ]);
      expect(free.exitCode, free.stderr).toBe(0);
      const confined = await engine([
        'run',
        '--rm',
        '--network',
        'none',
        '--security-opt',
        `seccomp=${merged}`,
        image,
        '/bin/unshare',
        '-U',
        '/bin/true',
      ]);
      expect(confined.exitCode).not.toBe(0);
      expect(confined.stderr).toMatch(/Operation not permitted/);
    });
  });
}
