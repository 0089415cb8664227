import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import YAML from 'yaml';
import { TracewallError } from '../../src/errors.js';
import { brief, diff, fixture, run } from './diff-helpers.js';

const base = fs.readFileSync(fixture('app.k8s.yaml'), 'utf8');
/** The fixture Pod with its container's securityContext (and the pod spec) edited. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML documents are untyped; the tests edit them freely
function edit(change: (sc: Record<string, any>, spec: Record<string, any>) => void): string {
  const doc = YAML.parse(base);
  change(doc.spec.containers[0].securityContext, doc.spec);
  return YAML.stringify(doc);
}

describe('Kubernetes diffs', () => {
  test('an added capability and allowPrivilegeEscalation flipped to true are high and fail --fail-on high', async () => {
    const res = await run(fixture('app.k8s.yaml'), fixture('app-escalate.k8s.yaml'), { failOn: 'high' });
    expect(res.code).toBe(1);
    expect(res.out).toContain('  + capability httpd: NET_ADMIN: network configuration');
    expect(res.out).toContain(
      '  ~ field httpd: allowPrivilegeEscalation: false -> true: allowPrivilegeEscalation no longer false',
    );
  });

  test('allowPrivilegeEscalation removed counts as true', () => {
    expect(
      brief(
        diff(
          base,
          edit((sc) => delete sc.allowPrivilegeEscalation),
        ).findings,
      ),
    ).toEqual(['changed field httpd: allowPrivilegeEscalation high widens']);
  });

  test('privileged, Unconfined seccomp, root and a writable root file system', () => {
    const r = diff(
      base,
      edit((sc) => {
        sc.privileged = true;
        sc.seccompProfile = { type: 'Unconfined' };
        sc.runAsUser = 0;
        sc.readOnlyRootFilesystem = false;
      }),
    );
    expect(brief(r.findings)).toEqual([
      'changed field httpd: privileged critical widens',
      'changed field httpd: seccompProfile critical widens',
      'changed field httpd: runAsUser high widens',
      'changed field httpd: readOnlyRootFilesystem medium widens',
    ]);
  });

  test('runAsNonRoot true to absent is high; a changed Localhost profile path is info', () => {
    const nonRoot = edit((sc) => (sc.runAsNonRoot = true));
    expect(brief(diff(nonRoot, base).findings)).toEqual(['changed field httpd: runAsNonRoot high widens']);
    const other = edit((sc) => (sc.seccompProfile.localhostProfile = 'profiles/other.json'));
    expect(brief(diff(base, other).findings)).toEqual(['changed field httpd: seccompProfile info']);
    const rd = edit((sc) => (sc.appArmorProfile = { type: 'Unconfined' }));
    expect(brief(diff(base, rd).findings)).toEqual(['changed field httpd: appArmorProfile high widens']);
  });

  test('dropping "drop: [ALL]" brings back the runtime default capabilities', () => {
    const r = diff(
      base,
      edit((sc) => delete sc.capabilities),
    );
    expect(r.findings.filter((f) => f.kind === 'capability').map((f) => `${f.subject} ${f.risk}`)).toEqual([
      'httpd: NET_RAW high',
      'httpd: SETFCAP high',
      'httpd: DAC_OVERRIDE medium',
      'httpd: FOWNER medium',
      'httpd: MKNOD medium',
      'httpd: SETGID medium',
      'httpd: SETPCAP medium',
      'httpd: SETUID medium',
      'httpd: SYS_CHROOT medium',
      'httpd: AUDIT_WRITE low',
      'httpd: CHOWN low',
      'httpd: FSETID low',
      'httpd: KILL low',
      'httpd: NET_BIND_SERVICE low',
    ]);
    expect(r.findings.find((f) => f.subject === 'httpd: NET_RAW')!.detail).toMatch(
      /^runtime default capability, no longer dropped: /,
    );
  });

  test('pod level: host namespaces and hostPath volumes', () => {
    const r = diff(
      base,
      edit((_, spec) => {
        spec.hostPID = true;
        spec.volumes.push(
          { name: 'sock', hostPath: { path: '/var/run/docker.sock' } },
          { name: 'data', hostPath: { path: '/srv/data' } },
        );
      }),
    );
    expect(brief(r.findings)).toEqual([
      'added volume pod: hostPath /var/run/docker.sock critical widens',
      'added volume pod: hostPath /srv/data high widens',
      'changed field pod: hostPID high widens',
    ]);
  });

  test('an added container is compared with the restricted baseline; a removed one is info', () => {
    const two = edit((_, spec) =>
      spec.containers.push({ name: 'sidecar', image: 'x', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }),
    );
    const r = diff(base, two);
    expect(brief(r.findings).slice(0, 6)).toEqual([
      'added capability sidecar: SYS_ADMIN critical widens',
      'added capability sidecar: NET_RAW high widens',
      'added capability sidecar: SETFCAP high widens',
      'changed field sidecar: allowPrivilegeEscalation high widens',
      'changed field sidecar: runAsNonRoot high widens',
      'changed field sidecar: seccompProfile high widens',
    ]);
    expect(brief(r.findings)).toContain('changed field sidecar: readOnlyRootFilesystem medium widens');
    expect(brief(r.findings).at(-1)).toBe('added container sidecar info');
    expect(
      r.findings.some(
        (f) =>
          f.subject === 'sidecar: SYS_ADMIN' &&
          f.risk === 'critical' &&
          f.detail!.startsWith('new container, against the restricted baseline: '),
      ),
    ).toBe(true);
    expect(r.findings.some((f) => f.change === 'added' && f.kind === 'container' && f.subject === 'sidecar')).toBe(
      true,
    );
    expect(brief(diff(two, base).findings)).toEqual(['removed container sidecar info']);
  });

  test('bare securityContext snippets are compared too', () => {
    const a = 'securityContext:\n  allowPrivilegeEscalation: false\n  capabilities:\n    drop: [ALL]\n';
    const b =
      'securityContext:\n  allowPrivilegeEscalation: false\n  capabilities:\n    drop: [ALL]\n    add: [SYS_PTRACE]\n';
    expect(brief(diff(a, b).findings)).toEqual(['added capability securityContext: SYS_PTRACE critical widens']);
  });

  test('bad YAML is an exit-2 error naming the file', () => {
    expect(() => diff(base, 'apiVersion: v1\nkind: Pod\nspec: [\n', 'old.yaml', 'new.yaml')).toThrow(TracewallError);
    expect(() => diff(base, 'apiVersion: v1\nkind: Pod\nspec: [\n', 'old.yaml', 'new.yaml')).toThrow(
      /^new\.yaml: not valid YAML/,
    );
  });

  test('identical files: no differences', () => {
    expect(diff(base, base).findings).toEqual([]);
  });
});
