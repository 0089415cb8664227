// The CRI client against a real containerd: the test acts as the kubelet (a host-network pod with the kubelet's labels)
// and the calls `record --pod` uses find the pod, its container, its pid and its spec. Without a runtime, the error says so.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriClient, chooseEndpoint } from '../../src/cri/client.js';
import { TracewallError } from '../../src/errors.js';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
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
  waitExited,
  type PrivateContainerd,
} from '../helpers/containerd.js';

describe('CRI client without a runtime', () => {
  it('says that nothing serves the CRI at the endpoint', async () => {
    const dir = makeTemp();
    try {
      const endpoint = `unix://${path.join(dir, 'none.sock')}`;
      let err: unknown;
      try {
        CriClient.connect(endpoint);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TracewallError);
      expect((err as Error).message).toContain(`no CRI runtime at ${endpoint}: is containerd running?`);
      // a socket file nobody listens on: the call fails with the same words
      fs.writeFileSync(path.join(dir, 'none.sock'), '');
      const c = CriClient.connect(endpoint);
      await expect(c.call('Version', {}, 2_000)).rejects.toThrow(/no CRI runtime at unix:\/\/.*none\.sock/);
      c.close();
    } finally {
      rmTemp(dir);
    }
  });

  it('rejects endpoints that are not unix sockets', () => {
    expect(() => chooseEndpoint('tcp://127.0.0.1:1234')).toThrow(/expected unix:\/\/\/PATH/);
    expect(chooseEndpoint('/run/x.sock')).toBe('unix:///run/x.sock');
  });
});

const why = needContainerd();

describe.skipIf(why)('CRI client with a private containerd', () => {
  let dir: string;
  let ctd: PrivateContainerd;
  beforeAll(async () => {
    dir = makeTemp('tracewall-cri-');
    ctd = await startContainerd(dir);
    await importImages(ctd);
  });
  afterAll(async () => {
    await ctd?.stop();
    if (ctd) expect(leftovers(ctd)).toEqual({ shims: [], mounts: [] });
    rmTemp(dir);
  });

  it('runs a host-network pod as the kubelet does and finds it by the kubelet labels', async () => {
    const v = await ctd.cri.call('Version', {});
    expect(v.runtime_name).toBe('containerd');
    const pod = await runPod(ctd, 'default', 'hello');
    const id = await runContainer(ctd, pod, {
      name: 'main',
      command: ['/bin/sh', '-c', 'echo hello from $0; sleep 1'],
    });
    const { items } = await ctd.cri.call('ListPodSandbox', {
      filter: { label_selector: { 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.name': 'hello' } },
    });
    expect(items.map((s) => s.id)).toEqual([pod.sandboxId]);
    const { containers } = await ctd.cri.call('ListContainers', { filter: { pod_sandbox_id: pod.sandboxId } });
    expect(containers.map((c) => [c.id, c.metadata?.name, c.image?.image])).toEqual([[id, 'main', BUSYBOX_IMAGE]]);
    const st = await waitExited(ctd, id);
    expect(st.exit_code).toBe(0);
    expect(containerLog(pod, 'main')).toBe('hello from /bin/sh');
    await removePod(ctd, pod);
    expect((await ctd.cri.call('ListPodSandbox', {})).items).toEqual([]);
  });
});
