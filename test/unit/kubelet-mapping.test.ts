// The kubelet's mapping of a container securityContext onto the CRI request, for the snippets tracewall writes.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { kubeletSecurityContext, type KubeSecurityContext } from '../../src/cri/kubelet-mapping.js';
import { fromRoot } from '../../src/util/paths.js';

const snippet = (name: string): KubeSecurityContext =>
  (
    YAML.parse(fs.readFileSync(fromRoot('profiles', `${name}.k8s.yaml`), 'utf8')) as {
      spec: { containers: Array<{ securityContext: KubeSecurityContext }> };
    }
  ).spec.containers[0]!.securityContext;

describe('kubeletSecurityContext', () => {
  it('maps the busybox-web snippet as the kubelet would (seccomp under its root, no_new_privs, capabilities, read-only root)', () => {
    expect(
      kubeletSecurityContext(snippet('busybox-web'), { seccompRoot: '/var/lib/kubelet/seccomp/', apparmor: true }),
    ).toEqual({
      privileged: false,
      readonly_rootfs: true,
      no_new_privs: true,
      capabilities: { add_capabilities: [], drop_capabilities: ['ALL'] },
      seccomp: {
        profile_type: 'Localhost',
        localhost_ref: '/var/lib/kubelet/seccomp/profiles/busybox-web.seccomp.json',
      },
      apparmor: { profile_type: 'Localhost', localhost_ref: 'busybox-web' },
    });
  });

  it('sends the users of a non-root snippet and leaves AppArmor out on a node without it', () => {
    const sc = kubeletSecurityContext(snippet('nginx'), { seccompRoot: '/s', apparmor: false });
    expect(sc.run_as_user).toEqual({ value: 65534 });
    expect(sc.apparmor).toBeUndefined();
  });

  it('allows privilege escalation unless it is set false; refuses what the API server would', () => {
    expect(kubeletSecurityContext({}, { seccompRoot: '/s', apparmor: true }).no_new_privs).toBe(false);
    expect(() =>
      kubeletSecurityContext({ seccompProfile: { type: 'Localhost' } }, { seccompRoot: '/s', apparmor: true }),
    ).toThrow(/type Localhost needs localhostProfile/);
    expect(() =>
      kubeletSecurityContext({ seccompProfile: { type: 'localhost' } }, { seccompRoot: '/s', apparmor: true }),
    ).toThrow(/expected RuntimeDefault, Unconfined or Localhost/);
  });
});
