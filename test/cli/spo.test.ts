// Issue 13 item 2, through bin/tracewall: generate --format spo writes what the k8s snippet says (the SeccompProfile and
// the AppArmorProfile resources, the Pod referring to the operator's path), with the operator's apiVersion selectable.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, NOT_BUILT, ROOT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);
const REC = path.join(ROOT, 'examples', 'busybox-web.recording.json');

function generate(dir: string, ...flags: string[]): Record<string, string> {
  const r = cli(['generate', '--format', 'spo', '-o', dir, ...flags, REC]);
  expect(r.status, r.stderr).toBe(0);
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe.skipIf(NOT_BUILT)('generate --format spo', () => {
  it('writes the two resources, the AppArmor file and a Pod that refers to what the operator installs', () => {
    const files = generate(scratch('v1'));
    expect(Object.keys(files).sort()).toEqual([
      'busybox-web.apparmor',
      'busybox-web.apparmor.yaml',
      'busybox-web.k8s.yaml',
      'busybox-web.seccomp.yaml',
    ]);
    const seccomp = YAML.parse(files['busybox-web.seccomp.yaml']!);
    const apparmor = YAML.parse(files['busybox-web.apparmor.yaml']!);
    expect([seccomp.apiVersion, seccomp.kind]).toEqual(['security-profiles-operator.x-k8s.io/v1', 'SeccompProfile']);
    expect([apparmor.apiVersion, apparmor.kind]).toEqual(['security-profiles-operator.x-k8s.io/v1', 'AppArmorProfile']);
    const k8s = files['busybox-web.k8s.yaml']!;
    const sc = YAML.parse(k8s).spec.containers[0].securityContext;
    expect(sc.seccompProfile.localhostProfile).toBe(`operator/${seccomp.metadata.name}.json`);
    expect(sc.appArmorProfile.localhostProfile).toBe(apparmor.metadata.name);
    // Nothing refers to a file that was not written.
    expect(k8s).not.toContain('.seccomp.json');
    expect(k8s).toContain('kubectl apply -f busybox-web.seccomp.yaml -f busybox-web.apparmor.yaml');
  });

  it('--spo-api-version v1beta1 and --spo-namespace: the older API, namespaced, and the path that names it', () => {
    const files = generate(scratch('beta'), '--spo-api-version', 'v1beta1', '--spo-namespace', 'shop');
    expect(YAML.parse(files['busybox-web.seccomp.yaml']!)).toMatchObject({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1beta1',
      metadata: { name: 'busybox-web', namespace: 'shop' },
    });
    expect(YAML.parse(files['busybox-web.apparmor.yaml']!).apiVersion).toBe(
      'security-profiles-operator.x-k8s.io/v1alpha1',
    );
    const sc = YAML.parse(files['busybox-web.k8s.yaml']!).spec.containers[0].securityContext;
    expect(sc.seccompProfile.localhostProfile).toBe('operator/shop/busybox-web.json');
  });

  it('--help names the choices and the default; misuse is exit 2', () => {
    const help = cli(['generate', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      "--spo-api-version <version> with --format spo: the apiVersion the operator serves (default: v1, the operator's newest",
    );
    expect(help).toContain('(choices: "v1", "v1beta1")');
    const dir = scratch('bad');
    expect(cli(['generate', '--spo-api-version', 'v1', '-o', dir, REC]).stderr).toBe(
      'tracewall: --spo-api-version applies to --format spo only (got --format docker)\n',
    );
    const ns = cli(['generate', '--format', 'spo', '--spo-namespace', 'Bad_NS', '-o', dir, REC]);
    expect(ns.status).toBe(2);
    expect(ns.stderr).toContain('--spo-namespace: namespace "Bad_NS" is not a DNS-1123 label');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('check --format spo compares all four files', () => {
    const dir = scratch('check');
    generate(dir);
    const ok = cli(['check', '--format', 'spo', '--profiles', dir, REC]);
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('up to date: 4 same');
  });
});
