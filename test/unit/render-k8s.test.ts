import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { FileAccess, Recording } from '../../src/recording/types.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { planK8s, renderK8s, k8sName } from '../../src/render/k8s.js';
import { planScratch } from '../../src/render/k8s-volumes.js';
import { evaluateRestricted, type ContainerSecurityContext } from '../../src/render/pss.js';
import { expectGolden, loadRecording, makeRecording } from './render-helpers.js';

const THIS = 'test/unit/render-k8s.test.ts';
const fixturePolicy = () => buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });
const policyOf = (patch: Partial<Recording>, name = 'app') =>
  buildPolicy([makeRecording(patch)], { name, runtime: 'none' });
const filesOf = (m: Record<string, FileAccess[]>) =>
  Object.fromEntries(Object.entries(m).map(([p, access]) => [p, { access }]));

const good: ContainerSecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/x.json' },
};

describe('evaluateRestricted', () => {
  it('accepts a restricted container context', () => {
    expect(evaluateRestricted(good)).toEqual({ meets: true, violations: [] });
    expect(evaluateRestricted({ ...good, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }).meets).toBe(
      true,
    );
    expect(
      evaluateRestricted(
        { ...good, runAsNonRoot: undefined, seccompProfile: undefined },
        { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      ).meets,
    ).toBe(true);
  });
  it('names each failing field and why', () => {
    const fields = (sc: ContainerSecurityContext, pod = {}, spec = {}) =>
      evaluateRestricted(sc, pod, spec).violations.map((v) => v.field);
    const c = 'spec.containers[0].securityContext';
    expect(fields({ ...good, allowPrivilegeEscalation: undefined })).toEqual([`${c}.allowPrivilegeEscalation`]);
    expect(fields({ ...good, capabilities: { add: ['NET_RAW'], drop: ['ALL'] } })).toEqual([`${c}.capabilities.add`]);
    expect(fields({ ...good, capabilities: {} })).toEqual([`${c}.capabilities.drop`]);
    expect(fields({ ...good, runAsNonRoot: false }, { runAsNonRoot: true })).toEqual([`${c}.runAsNonRoot`]);
    expect(fields({ ...good, runAsUser: 0 })).toEqual([`${c}.runAsUser`]);
    expect(fields({ ...good, seccompProfile: { type: 'Unconfined' } })).toEqual([`${c}.seccompProfile.type`]);
    expect(fields({ ...good, seccompProfile: undefined })).toEqual([`${c}.seccompProfile`]);
    expect(fields({ ...good, privileged: true })).toEqual([`${c}.privileged`]);
    expect(fields({ ...good, appArmorProfile: { type: 'Unconfined' } })).toEqual([`${c}.appArmorProfile.type`]);
    expect(fields({ ...good, procMount: 'Unmasked' })).toEqual([`${c}.procMount`]);
    expect(
      fields(
        good,
        {},
        {
          hostNetwork: true,
          volumes: [
            { name: 'h', hostPath: { path: '/' } },
            { name: 't', emptyDir: {} },
          ],
        },
      ),
    ).toEqual(['spec.hostNetwork', 'spec.volumes["h"]']);
    expect(evaluateRestricted({ ...good, runAsNonRoot: undefined }).violations[0]!.reason).toMatch(/must be true/);
  });
});

describe('readOnlyRootFilesystem and emptyDir volumes', () => {
  const plan = (m: Record<string, FileAccess[]>) =>
    planScratch(buildPolicy([makeRecording({ files: filesOf(m) })], { name: 'x', runtime: 'none' }).files);

  it('is read-only with no volume when nothing writes to the root file system (/dev, /proc, /sys do not count)', () => {
    expect(plan({ '/etc/hosts': ['read'], '/dev/null': ['write'], '/proc/self/oom_score_adj': ['write'] })).toEqual({
      readOnly: true,
      mounts: [],
      blockers: [],
    });
  });
  it('mounts scratch roots whole and application directories where they are written', () => {
    const p = plan({
      '/tmp/tmp.93hMEG': ['create', 'write', 'delete'],
      '/run/app.pid': ['create', 'write'],
      '/var/cache/app/x/y.json': ['create', 'write'],
      '/var/cache/app/z': ['create', 'write'],
      '/etc/app.conf': ['read'],
    });
    expect(p.readOnly).toBe(true);
    expect(p.mounts.map((m) => [m.name, m.mountPath])).toEqual([
      ['run', '/run'],
      ['tmp', '/tmp'],
      ['var-cache-app', '/var/cache/app'],
    ]);
  });
  it('is not read-only when a write lands in a system directory', () => {
    const p = plan({ '/etc/app.conf': ['write'] });
    expect(p.readOnly).toBe(false);
    expect(p.blockers[0]!.reason).toMatch(/"\/etc"/);
    expect(plan({ '/usr/local/share/app/state': ['create'] }).readOnly).toBe(false);
    expect(plan({ '/app.log': ['create'] }).readOnly).toBe(false);
  });
  it('is not read-only when an emptyDir would hide files the workload used from the image', () => {
    const p = plan({ '/app/server.log': ['create', 'append'], '/app/server': ['exec', 'read'] });
    expect(p.readOnly).toBe(false);
    expect(p.blockers).toEqual([{ path: '/app/server', reason: expect.stringMatching(/would hide it/) }]);
    expect(plan({ '/var/log/nginx/access.log': ['append'] }).readOnly).toBe(false);
    expect(plan({ '/data/db': ['create', 'write'], '/data/db-journal': ['create', 'delete'] }).readOnly).toBe(true);
  });
  it('refuses mount paths Kubernetes cannot take', () => {
    expect(plan({ '/data:x/f': ['create'] }).readOnly).toBe(false);
    expect(plan({ '/da\nta/f': ['create'] }).readOnly).toBe(false);
  });
});

describe('renderK8s', () => {
  it('matches the golden file', () => {
    expectGolden('busybox-httpd.k8s.yaml', renderK8s(fixturePolicy()), THIS);
  });

  it('applies both profiles and hardens the container', () => {
    const pod = YAML.parse(renderK8s(fixturePolicy()));
    const c = pod.spec.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      appArmorProfile: { type: 'Localhost', localhostProfile: 'busybox-httpd' },
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/busybox-httpd.seccomp.json' },
    });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  it('says in its header whether "restricted" is met, and which field fails and why', () => {
    const text = renderK8s(fixturePolicy());
    expect(text).toMatch(/^# Pod Security Standards "restricted": does not meet:$/m);
    expect(text).toMatch(/^# {3}- spec\.containers\[0\]\.securityContext\.runAsNonRoot: must be true .*ran as uid 0/m);
    const ok = renderK8s(policyOf({ identity: { uids: [1000], gids: [1000], changes: [], capabilities: [] } }));
    expect(ok).toMatch(/^# Pod Security Standards "restricted": meets\.$/m);
    expect(YAML.parse(ok).spec.containers[0].securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
    });
  });

  it('adds only the observed capabilities, without the CAP_ prefix', () => {
    const plan = planK8s(
      policyOf({
        identity: {
          uids: [0],
          gids: [0],
          changes: [],
          capabilities: [
            { name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'] },
            { name: 'CAP_CHOWN', reasons: ['chown'] },
          ],
        },
      }),
    );
    expect(plan.securityContext.capabilities).toEqual({ add: ['CHOWN', 'NET_BIND_SERVICE'], drop: ['ALL'] });
    expect(plan.verdict.violations.map((v) => v.field)).toContain(
      'spec.containers[0].securityContext.capabilities.add',
    );
    expect(plan.securityContext.runAsNonRoot).toBeUndefined();
  });

  it('adds the pre-1.30 AppArmor annotation on request', () => {
    const pod = YAML.parse(
      renderK8s(fixturePolicy(), { apparmorAnnotation: true, containerName: 'web', image: 'busybox:1.36' }),
    );
    expect(pod.metadata.annotations).toEqual({
      'container.apparmor.security.beta.kubernetes.io/web': 'localhost/busybox-httpd',
    });
    expect(pod.spec.containers[0]).toMatchObject({ name: 'web', image: 'busybox:1.36' });
  });

  it('checks its options and derives Kubernetes names safely', () => {
    expect(() => renderK8s(fixturePolicy(), { containerName: 'Web_1' })).toThrow(/"Web_1"/);
    expect(() => renderK8s(fixturePolicy(), { image: 'a b' })).toThrow(/image "a b"/);
    expect(() => renderK8s(fixturePolicy(), { seccompProfileDir: '../etc' })).toThrow(/seccomp profile directory/);
    expect(k8sName('My_App.v2')).toBe('my-app-v2');
    expect(k8sName('...')).toBe('app');
  });

  it('cannot be made to add keys or documents by what a workload writes', () => {
    const hostile = '/data/x: 1\n---\nkind: Secret\n# "\u2028';
    const files = filesOf({ [`${hostile}/f`]: ['create'], '/data/ok': ['create'] });
    const text = renderK8s(policyOf({ files }));
    const docs = YAML.parseAllDocuments(text);
    expect(docs).toHaveLength(1);
    const pod = docs[0]!.toJS();
    expect(Object.keys(pod)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(pod.spec.containers[0])).toEqual(['name', 'image', 'securityContext']);
    for (const line of text.split('\n').filter((l) => l.startsWith('#'))) expect(line).toMatch(/^#[\x20-\x7e]*$/);
  });

  it('keeps YAML-significant characters in a mount path a plain string', () => {
    const dir = '/data/- &a *b {c}, [d] #x \'q\' "r" --- !!str % @ `';
    const text = renderK8s(policyOf({ files: filesOf({ [`${dir}/f`]: ['create'] }) }));
    const pod = YAML.parse(text);
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'data-a-b-c-d-x-q-r-str', mountPath: dir }]);
    expect(YAML.parseAllDocuments(text)).toHaveLength(1);
  });

  it('is deterministic', () => {
    expect(renderK8s(fixturePolicy())).toBe(renderK8s(fixturePolicy()));
  });
});
