// `reach` for a podman container: the programs a recording of it executed are looked up in the image (mounted by
// podman for the analysis), not on the host: the image's /bin/sh is the static busybox, the host's is dash.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
import {
  busyboxImageTar,
  needEngine,
  podmanEnv,
  run,
  tracewallIn,
  unmountBelow,
  type EngineEnv,
} from '../helpers/engines.js';
import { makeRecording } from '../unit/render-helpers.js';
import { writeRecording } from '../../src/recording/io.js';
import type { ReachReport } from '../../src/reach/types.js';
import { needBuild } from './helpers.js';

const why = needEngine('podman') ?? needBuild();
if (why) console.warn(`skipped reach image e2e: ${why}`);

describe.skipIf(why)('reach in a podman image', () => {
  let tmp: string;
  let env: EngineEnv;
  const image = 'localhost/tracewall-reach-test:busybox';

  /** A recording of a podman container of `image` that executed /bin/sh. */
  const recordingOf = (img: string, name: string): string => {
    const file = path.join(tmp, `${name}.json`);
    const target = {
      kind: 'podman' as const,
      image: img,
      engineVersion: '4.3.1',
      runtime: 'crun' as const,
      runtimeVersion: '1.8.1',
      argv: ['/bin/sh', '-c', 'true'],
      cwd: '/',
    };
    writeRecording(file, makeRecording({ name, target, executables: [{ path: '/bin/sh', argv0: 'sh', parent: '' }] }));
    return file;
  };
  const reach = async (file: string): Promise<ReachReport> => {
    const r = await tracewallIn({ ...env, TRACEWALL_CACHE_DIR: path.join(tmp, 'cache') }, [
      'reach',
      '--format',
      'json',
      file,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as ReachReport;
  };

  // podman keeps a blob-info cache in /var/lib/containers/cache whatever the storage config says: removed again if new
  const SHARED = '/var/lib/containers';
  let hadShared = true;

  beforeAll(async () => {
    hadShared = fs.existsSync(SHARED);
    tmp = makeTemp('tracewall-reach-image-');
    env = podmanEnv(tmp);
    const imported = await run('podman', ['import', busyboxImageTar(tmp), image], env, { timeoutMs: 120_000 });
    expect(imported.exitCode, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    if (env) await run('podman', ['rmi', '-f', image], env);
    unmountBelow(tmp);
    rmTemp(tmp);
    if (!hadShared) fs.rmSync(SHARED, { recursive: true, force: true });
  });

  it("analyses the image's /bin/sh (static busybox), and gives the image back", async () => {
    const sh = (await reach(recordingOf(image, 'podman-sh'))).executables[0]!;
    expect(sh).toMatchObject({ path: '/bin/sh', root: `podman:${image}`, resolved: '/bin/busybox', analysed: true });
    expect(sh.why).toMatch(/^statically linked/);
    expect(sh.reachableNotObserved.find((u) => u.syscall === 'reboot')?.evidence[0]).toMatch(/^\/bin\/busybox: /);
    const mounted = await run('podman', ['image', 'mount'], env);
    expect(mounted.stdout.trim()).toBe('');
  });

  it('says so when the image is not there', async () => {
    const gone = (await reach(recordingOf('localhost/no-such-image:1', 'gone'))).executables[0]!;
    expect(gone).toMatchObject({ analysed: false });
    expect(gone.why).toMatch(/image cannot be opened/);
  });
});
