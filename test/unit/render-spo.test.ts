// The security-profiles-operator output: the AppArmorProfile resource in the operator's abstract form, and the Pod
// referring to the path the operator installs the seccomp profile under. Field names and the path alphabet are the
// operator's (kubernetes-sigs/security-profiles-operator api/apparmorprofile/v1/apparmorprofile_types.go).
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildPolicy } from '../../src/analyze/policy.js';
import { renderApparmorSpo } from '../../src/render/apparmor-spo.js';
import { renderK8s } from '../../src/render/k8s.js';
import { spoSeccompPath } from '../../src/render/spo.js';
import { expectGolden, loadRecording, makeRecording } from './render-helpers.js';

const THIS = 'test/unit/render-spo.test.ts';
const fixturePolicy = () => buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });

/** The operator's CRD pattern for every path entry (its validation refuses anything else). */
const SPO_PATH = /^(?:\/(?:[a-zA-Z0-9_./*?+@ -]|@\{[a-zA-Z0-9_]+\})*)$/;

describe('security-profiles-operator resources', () => {
  it('the AppArmorProfile: abstract form, paths in the operator alphabet; matches the golden file', () => {
    const { text, warnings } = renderApparmorSpo(fixturePolicy(), { apiVersion: 'v1' });
    expectGolden('busybox-httpd.apparmor.spo.yaml', text, THIS);
    const cr = YAML.parse(text);
    expect(cr.apiVersion).toBe('security-profiles-operator.x-k8s.io/v1');
    expect(cr.kind).toBe('AppArmorProfile');
    expect(Object.keys(cr.spec)).toEqual(['abstract']);
    const a = cr.spec.abstract;
    for (const k of Object.keys(a)) expect(['executable', 'filesystem', 'network', 'capability']).toContain(k);
    const paths = [
      ...(a.executable?.allowedExecutables ?? []),
      ...(a.executable?.allowedLibraries ?? []),
      ...(a.filesystem?.readOnlyPaths ?? []),
      ...(a.filesystem?.writeOnlyPaths ?? []),
      ...(a.filesystem?.readWritePaths ?? []),
    ];
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).toMatch(SPO_PATH);
    expect(warnings).toEqual([]);
  });

  it('v1beta1: SeccompProfile v1beta1 with AppArmorProfile v1alpha1; a namespace goes into metadata and the path', () => {
    const { text } = renderApparmorSpo(fixturePolicy(), { apiVersion: 'v1beta1', namespace: 'shop' });
    expect(YAML.parse(text)).toMatchObject({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1alpha1',
      metadata: { name: 'busybox-httpd', namespace: 'shop' },
    });
    expect(spoSeccompPath('My_App', { apiVersion: 'v1' })).toBe('operator/my-app.json');
    expect(spoSeccompPath('app', { apiVersion: 'v1beta1', namespace: 'shop' })).toBe('operator/shop/app.json');
  });

  it('the Pod refers to the operator path, and its header says how the profiles get to the nodes; golden', () => {
    const text = renderK8s(fixturePolicy(), { spo: { apiVersion: 'v1' } });
    expectGolden('busybox-httpd.k8s.spo.yaml', text, THIS);
    const sc = YAML.parse(text).spec.containers[0].securityContext;
    expect(sc.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'operator/busybox-httpd.json' });
    expect(sc.appArmorProfile).toEqual({ type: 'Localhost', localhostProfile: 'busybox-httpd' });
    expect(text).not.toContain('seccomp.json');
    expect(text).toContain('kubectl apply -f busybox-httpd.seccomp.yaml -f busybox-httpd.apparmor.yaml');
    expect(text).toContain('ProfileBinding');
  });

  it('what the abstract form cannot say is left out with a warning, never passed through', () => {
    const policy = buildPolicy(
      [
        makeRecording({
          files: {
            '/data/a,b': { access: ['read'] },
            '/data/ok': { access: ['read', 'lock'] },
            '/data/"q"': { access: ['write'] },
          },
          network: {
            sockets: [{ family: 'AF_UNIX', type: 'SOCK_STREAM', protocol: '0' }],
            bind: [],
            connect: [],
            listen: [],
          },
        }),
      ],
      { name: 'app', runtime: 'none' },
    );
    const { text, warnings } = renderApparmorSpo(policy, { apiVersion: 'v1' });
    const fs = YAML.parse(text).spec.abstract.filesystem;
    expect(fs).toEqual({ readOnlyPaths: ['/data/ok'] });
    expect(warnings).toEqual([
      '2 paths left out of the AppArmorProfile: the operator takes only A-Z a-z 0-9 _ . / + @ - and spaces in paths (e.g. "/data/\\"q\\"")',
      'the AppArmorProfile cannot express the lock modes some paths needed',
      'the AppArmorProfile cannot express socket AF_UNIX SOCK_STREAM: the operator allows TCP, UDP and raw sockets only',
    ]);
  });
});
