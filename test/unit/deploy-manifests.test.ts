// Every Kubernetes manifest tracewall ships or writes, checked against the Kubernetes API's own schemas of its kind:
// deploy/*.yaml (Namespace, ServiceAccount, DaemonSet, RuntimeClass) and the Pod that `generate` writes. The schemas
// are the upstream OpenAPI definitions compiled by the kubernetes-models package (a devDependency, carried by the
// tests: no cluster or network here). They check types, required fields, enums and formats; like the upstream
// OpenAPI they leave objects open, so a misspelt key is the API server's strict field validation's to refuse, not theirs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { RuntimeClass } from 'kubernetes-models/node.k8s.io/v1/RuntimeClass';
import { buildProgram } from '../../src/cli/program.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { renderK8s } from '../../src/render/k8s.js';
import { readRecording } from '../../src/recording/io.js';
import { fromRoot } from '../../src/util/paths.js';

type Manifest = Record<string, unknown> & { apiVersion?: string; kind?: string };

const KINDS: Record<string, (m: Manifest) => { validate(): void }> = {
  'v1/Namespace': (m) => new Namespace(m as never),
  'v1/ServiceAccount': (m) => new ServiceAccount(m as never),
  'v1/Pod': (m) => new Pod(m as never),
  'apps/v1/DaemonSet': (m) => new DaemonSet(m as never),
  'node.k8s.io/v1/RuntimeClass': (m) => new RuntimeClass(m as never),
};

/** Throws what the kind's schema says is wrong (or that the kind is not one tracewall uses). */
function validate(m: Manifest): void {
  const model = KINDS[`${m.apiVersion}/${m.kind}`];
  if (model === undefined) throw new Error(`${m.apiVersion}/${m.kind}: not a kind these tests carry a schema of`);
  model(m).validate();
}

function documents(file: string): Manifest[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Manifest);
}

const deployFiles = fs
  .readdirSync(fromRoot('deploy'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => fromRoot('deploy', f));
const daemonSetFile = fromRoot('deploy', 'daemonset.yaml');
const agent = () => documents(daemonSetFile).find((d) => d.kind === 'DaemonSet')!;
type PodSpec = {
  hostPID: boolean;
  serviceAccountName: string;
  containers: Array<{
    name: string;
    args: string[];
    securityContext: { privileged: boolean };
    volumeMounts: Array<{ name: string; mountPath: string }>;
  }>;
  volumes: Array<{ name: string; hostPath: { path: string } }>;
};
const specOf = (ds: Manifest) => (ds as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

const generatedPods = (): Array<[string, Manifest]> => {
  const recording = readRecording(fromRoot('examples', 'busybox-web.recording.json'));
  const policy = buildPolicy([recording], { name: 'busybox-web', runtime: 'runc' });
  return [
    ['generate', YAML.parse(renderK8s(policy)) as Manifest],
    ['generate --apparmor-annotation', YAML.parse(renderK8s(policy, { apparmorAnnotation: true })) as Manifest],
    ['golden busybox-httpd.k8s.yaml', documents(fromRoot('test', 'golden', 'busybox-httpd.k8s.yaml'))[0]!],
    ['golden busybox-httpd.k8s.spo.yaml', documents(fromRoot('test', 'golden', 'busybox-httpd.k8s.spo.yaml'))[0]!],
  ];
};

describe('Kubernetes manifests against the API schemas of their kinds', () => {
  it('accepts every document in deploy/', () => {
    const kinds = deployFiles.flatMap((f) => documents(f).map((m) => `${m.apiVersion}/${m.kind}`));
    expect(kinds.sort()).toEqual([
      'apps/v1/DaemonSet',
      'node.k8s.io/v1/RuntimeClass',
      'v1/Namespace',
      'v1/ServiceAccount',
    ]);
    for (const f of deployFiles)
      for (const m of documents(f)) expect(() => validate(m), path.basename(f)).not.toThrow();
  });

  it('accepts the Pod that generate writes', () => {
    for (const [what, pod] of generatedPods()) expect(() => validate(pod), what).not.toThrow();
  });

  it('refuses mutated manifests, naming the field', () => {
    const mutate = (m: Manifest, change: (spec: PodSpec & Record<string, unknown>) => void): Manifest => {
      const copy = structuredClone(m);
      change(specOf(copy) as PodSpec & Record<string, unknown>);
      return copy;
    };
    expect(() => validate(mutate(agent(), (s) => (s.hostPID = 'yes' as never)))).toThrow(/hostPID must be boolean/);
    expect(() =>
      validate(mutate(agent(), (s) => (s.volumes[0]!.hostPath = { path: '/x', type: 'Dir' } as never))),
    ).toThrow(/hostPath\/type must be equal to one of the allowed values/);
    expect(() =>
      validate(mutate(agent(), (s) => delete (s.containers[0] as Partial<PodSpec['containers'][0]>).name)),
    ).toThrow(/must have required property 'name'|must have required property name/);
    const pod = structuredClone(generatedPods()[0]![1]) as unknown as {
      spec: { containers: Array<{ securityContext: { seccompProfile: { type: string } } }> };
    };
    pod.spec.containers[0]!.securityContext.seccompProfile.type = 'Local';
    expect(() => validate(pod as unknown as Manifest)).toThrow(
      /seccompProfile\/type must be equal to one of the allowed values/,
    );
    const rc = documents(fromRoot('deploy', 'runtimeclass-tracewall-record.yaml'))[0]!;
    expect(() => validate({ ...rc, handler: undefined })).toThrow(
      /required property 'handler'|required property handler/,
    );
  });
});

describe('deploy/daemonset.yaml', () => {
  it('runs tracewall agent privileged in the host pid namespace, with the CRI socket, BTF, cgroups, the kubelet seccomp root and its output directory', () => {
    const spec = specOf(agent());
    expect(spec.hostPID).toBe(true);
    const [c] = spec.containers;
    expect(c!.securityContext.privileged).toBe(true);
    expect(c!.args[0]).toBe('agent');
    const mounts = Object.fromEntries(
      c!.volumeMounts.map((m) => [m.mountPath, spec.volumes.find((v) => v.name === m.name)!.hostPath.path]),
    );
    expect(mounts).toEqual({
      '/run/containerd': '/run/containerd',
      '/sys/kernel/btf': '/sys/kernel/btf',
      '/sys/fs/cgroup': '/sys/fs/cgroup',
      '/var/lib/kubelet/seccomp': '/var/lib/kubelet/seccomp',
      '/var/lib/tracewall/agent': '/var/lib/tracewall/agent',
    });
    expect(c!.args[c!.args.indexOf('--output-dir') + 1]).toBe('/var/lib/tracewall/agent');
  });

  it("passes the agent only flags it has (checked against the program's own agent verb)", () => {
    const agentVerb = buildProgram().commands.find((c) => c.name() === 'agent')!;
    const known = new Set(agentVerb.options.map((o) => o.long));
    const args = specOf(agent()).containers[0]!.args;
    const flags = args.slice(1).filter((a) => a.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
  });

  it('is where tracewall collect looks by default (namespace, selector, container, directory)', () => {
    const ds = agent() as unknown as {
      metadata: { namespace: string };
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    const collect = buildProgram().commands.find((c) => c.name() === 'collect')!;
    const defaults = Object.fromEntries(collect.options.map((o) => [o.attributeName(), o.defaultValue as unknown]));
    expect(defaults['namespace']).toBe(ds.metadata.namespace);
    const [key, value] = String(defaults['selector']).split('=');
    expect(ds.spec.template.metadata.labels[key!]).toBe(value);
    expect(specOf(agent()).containers.map((c) => c.name)).toEqual([defaults['container']]);
    expect(defaults['agentDir']).toBe('/var/lib/tracewall/agent');
  });
});
