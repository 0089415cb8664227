import { describe, expect, test } from 'vitest';
import { validateFile } from '../../src/validate/validate-file.js';
import { validateK8sText } from '../../src/validate/k8s.js';
import { fixture } from './validate-helpers.js';
import type { Finding } from '../../src/validate/types.js';

/** The findings other than the Pod Security Standards ones (tested on their own below). */
const notPss = (list: Finding[]): Finding[] => list.filter((f) => !f.message.startsWith('Pod Security Standards'));

describe('Kubernetes YAML', () => {
  test('a good Pod snippet passes', async () => {
    const r = await validateFile(fixture('k8s-good.yaml'));
    expect(r.kind).toBe('k8s');
    expect(r.findings).toEqual([]);
  });

  test('a misspelt securityContext field is an error with a suggestion and its line', async () => {
    const r = await validateFile(fixture('k8s-typo.yaml'));
    expect(notPss(r.findings)).toEqual([
      {
        severity: 'error',
        message:
          'unknown field "allowPrivilegedEscalation": not a field of a container securityContext (core/v1 SecurityContext) (did you mean "allowPrivilegeEscalation"?)',
        where: 'line 12, /spec/template/spec/containers/0/securityContext/allowPrivilegedEscalation',
      },
    ]);
  });

  test('bad enum values and CAP_-prefixed capabilities are errors', async () => {
    const r = { findings: notPss((await validateFile(fixture('k8s-bad-enum.yaml'))).findings) };
    expect(r.findings.map((f) => [f.severity, f.where])).toEqual([
      ['error', 'line 11, /spec/containers/0/securityContext/seccompProfile/type'],
      ['error', 'line 13, /spec/containers/0/securityContext/capabilities/drop/0'],
    ]);
    expect(r.findings[0]?.message).toBe(
      'must be one of "RuntimeDefault", "Localhost", "Unconfined" (found string "Default")',
    );
    expect(r.findings[1]?.message).toContain('without the CAP_ prefix');
  });

  test('localhostProfile is required with Localhost and refused otherwise', async () => {
    const r = await validateFile(fixture('k8s-localhost-missing.yaml'));
    expect(notPss(r.findings).map((f) => f.message)).toEqual([
      'missing required field "localhostProfile" (required when type is Localhost)',
      'localhostProfile must not be set unless type is Localhost',
    ]);
  });

  test('YAML errors carry line and column', async () => {
    const r = await validateFile(fixture('k8s-bad-yaml.yaml'));
    expect(r.findings).toEqual([
      { severity: 'error', message: 'YAML: Map keys must be unique', where: 'line 5, column 3' },
      { severity: 'error', message: 'YAML: Sequence item without - indicator', where: 'line 9, column 1' },
    ]);
  });

  test('all documents are read; other kinds are noted, not checked', () => {
    const text = [
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: s}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: d}',
      'spec:',
      '  template:',
      '    spec:',
      '      securityContext: {runAsUser: -1, fsGroupChangePolicy: Sometimes}',
      '      containers:',
      '        - name: app',
      '          imagePullPolicyy: Always',
      '          securityContext: {capabilities: {add: [NET_BIND_SERVIC]}, seccompProfile: {type: Localhost, localhostProfile: /etc/x.json}}',
    ].join('\n');
    expect(notPss(validateK8sText(text)).map((f) => `${f.severity} ${f.where}: ${f.message}`)).toEqual([
      'info document 1, line 2, /kind: kind Service: not a workload, securityContext not checked',
      'error document 2, line 11, /spec/template/spec/securityContext/fsGroupChangePolicy: must be one of "OnRootMismatch", "Always" (found string "Sometimes")',
      'error document 2, line 11, /spec/template/spec/securityContext/runAsUser: must be a user or group id between 0 and 2147483647 (found number -1)',
      'warning document 2, line 14, /spec/template/spec/containers/0/imagePullPolicyy: unknown container field "imagePullPolicyy" (did you mean "imagePullPolicy"?)',
      'warning document 2, line 15, /spec/template/spec/containers/0/securityContext/capabilities/add/0: unknown capability "NET_BIND_SERVIC" (did you mean "NET_BIND_SERVICE"?); the container runtime will refuse it',
      'error document 2, line 15, /spec/template/spec/containers/0/securityContext/seccompProfile/localhostProfile: seccompProfile.localhostProfile must be a descending path relative to the kubelet\'s seccomp directory (found "/etc/x.json")',
    ]);
  });

  test('a bare container securityContext fragment is checked as a container SecurityContext', () => {
    expect(
      validateK8sText('securityContext:\n  allowPrivilegeEscalation: false\n  fsGroup: 1\n').map((f) => f.message),
    ).toEqual(['unknown field "fsGroup": not a field of a container securityContext (core/v1 SecurityContext)']);
  });

  test('annotations: the AppArmor one is checked, the removed seccomp ones are warned', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/app: localhost\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\nspec:\n  containers: [{name: app}]\n';
    expect(notPss(validateK8sText(text)).map((f) => `${f.severity} ${f.where}`)).toEqual([
      'error line 6, /metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app',
      'warning line 7, /metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod',
    ]);
  });

  test('Pod Security Standards: baseline breaches are warnings, restricted gaps are info, pod-level ones once', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  hostNetwork: true',
      '  containers:',
      '    - name: a',
      '      securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}',
      '    - name: b',
      '      securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL], add: [CHOWN]}, seccompProfile: {type: RuntimeDefault}}',
      '  volumes:',
      '    - {name: host, hostPath: {path: /}}',
    ].join('\n');
    const pss = validateK8sText(text).filter((f) => f.message.startsWith('Pod Security Standards'));
    expect(pss.filter((f) => f.severity === 'warning').map((f) => f.message)).toEqual([
      'Pod Security Standards baseline: hostNetwork: must be unset or false: no sharing of host namespaces',
      'Pod Security Standards baseline: securityContext.privileged (container "a"): must be unset or false',
      'Pod Security Standards baseline: securityContext.capabilities.add (container "a"): adds SYS_ADMIN, beyond the capabilities baseline allows',
      'Pod Security Standards baseline: volumes["host"]: volume "host" is a hostPath: the host\'s files',
    ]);
    // CHOWN is within baseline: only restricted (NET_BIND_SERVICE alone) is missed, as info.
    expect(pss).toContainEqual({
      severity: 'info',
      message:
        'Pod Security Standards restricted: securityContext.capabilities.add (container "b"): may only add NET_BIND_SERVICE; adds CHOWN',
      where: 'line 10, /spec/containers/1/securityContext/capabilities/add',
    });
  });
});
