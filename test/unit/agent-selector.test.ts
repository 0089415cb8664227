// The agent's pod selection (Kubernetes' equality-based label selectors, namespaces), its workload-name rule and its
// directory layout.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNamespace, matchesSelector, parseSelector, podSelected, selectorText } from '../../src/agent/selector.js';
import { workloadOf } from '../../src/agent/workload.js';
import { boundedName, mergedFile, mergedName, recordingFile, recordingName } from '../../src/agent/layout.js';
import { isValidName } from '../../src/util/names.js';

describe('parseSelector', () => {
  it('reads every equality-based form, with spaces around operators and terms', () => {
    expect(parseSelector('app=web, tier == front,env!=prod,canary,!legacy,example.com/team=a_b-c.d,empty=')).toEqual([
      { op: 'eq', key: 'app', value: 'web' },
      { op: 'eq', key: 'tier', value: 'front' },
      { op: 'ne', key: 'env', value: 'prod' },
      { op: 'exists', key: 'canary' },
      { op: 'absent', key: 'legacy' },
      { op: 'eq', key: 'example.com/team', value: 'a_b-c.d' },
      { op: 'eq', key: 'empty', value: '' },
    ]);
    expect(parseSelector('')).toEqual([]);
    expect(selectorText(parseSelector('app==web,!legacy,x!=1,y'))).toBe('app=web,!legacy,x!=1,y');
  });

  it('refuses what is not a selector, quoting the text and saying what was expected', () => {
    expect(() => parseSelector('app=web,,tier=x')).toThrow(/"app=web,,tier=x": an empty requirement/);
    expect(() => parseSelector('app=web,')).toThrow(/an empty requirement/);
    expect(() => parseSelector('=web')).toThrow(/"=web" is not a label key/);
    expect(() => parseSelector('-app=web')).toThrow(/"-app" is not a label key/);
    expect(() => parseSelector('Example.com/app=x')).toThrow(/"Example.com\/app" is not a label key/);
    expect(() => parseSelector(`${'a'.repeat(64)}=x`)).toThrow(/is not a label key/);
    expect(() => parseSelector('app=we b')).toThrow(/"we b" \(the value for app\) is not a label value/);
    expect(() => parseSelector(`app=${'v'.repeat(64)}`)).toThrow(/is not a label value/);
    expect(() => parseSelector('app in (web,api)')).toThrow(/set-based requirements \(in, notin\) are not supported/);
    expect(() => parseSelector('a!b')).toThrow(/"a!b" is not a label key/);
    expect(() => parseSelector('app=web')).not.toThrow();
  });
});

describe('matchesSelector and podSelected', () => {
  const labels = { app: 'web', tier: 'front', 'pod-template-hash': '5d8f7c9b6' };
  const m = (sel: string, l: Record<string, string> = labels) => matchesSelector(parseSelector(sel), l);

  it('k=v and k==v need the label with that value; k!=v holds when the label is missing or differs', () => {
    expect(m('app=web')).toBe(true);
    expect(m('app==web')).toBe(true);
    expect(m('app=api')).toBe(false);
    expect(m('env=prod')).toBe(false);
    expect(m('app!=api')).toBe(true);
    expect(m('app!=web')).toBe(false);
    expect(m('env!=prod')).toBe(true);
    expect(m('empty=', { empty: '' })).toBe(true);
    expect(m('empty=', {})).toBe(false);
  });

  it('k needs the label, !k its absence; every requirement must hold; none selects everything', () => {
    expect(m('tier')).toBe(true);
    expect(m('env')).toBe(false);
    expect(m('!env')).toBe(true);
    expect(m('!tier')).toBe(false);
    expect(m('app=web,tier=front,!env')).toBe(true);
    expect(m('app=web,tier=back')).toBe(false);
    expect(m('')).toBe(true);
    expect(m('toString')).toBe(false);
  });

  it('podSelected: the namespace must be one of those given (any when none), then the selector', () => {
    const sel = parseSelector('app=web');
    expect(podSelected({ namespaces: [], selector: sel }, 'staging', labels)).toBe(true);
    expect(podSelected({ namespaces: ['staging', 'prod'], selector: sel }, 'prod', labels)).toBe(true);
    expect(podSelected({ namespaces: ['staging'], selector: sel }, 'prod', labels)).toBe(false);
    expect(podSelected({ namespaces: ['staging'], selector: parseSelector('app=api') }, 'staging', labels)).toBe(false);
  });

  it('checkNamespace takes DNS labels only', () => {
    expect(checkNamespace('kube-system')).toBe('kube-system');
    for (const bad of ['', 'Staging', 'a_b', '-a', 'a-', 'a.b', 'x'.repeat(64)])
      expect(() => checkNamespace(bad)).toThrow(/is not a Kubernetes namespace name/);
  });
});

describe('workloadOf', () => {
  it('Deployment: the ReplicaSet pod-template-hash and the random suffix are stripped', () => {
    expect(workloadOf('web-5d8f7c9b6-x2k9p', { 'pod-template-hash': '5d8f7c9b6' })).toEqual({
      kind: 'Deployment',
      name: 'web',
    });
    expect(workloadOf('my-api-v2-6b7c8d9f5c-abcde', { app: 'x', 'pod-template-hash': '6b7c8d9f5c' })).toEqual({
      kind: 'Deployment',
      name: 'my-api-v2',
    });
    // the hash does not match the name: not taken for a Deployment's pod
    expect(workloadOf('web-5d8f7c9b6-x2k9p', { 'pod-template-hash': 'ffffffff' })).toEqual({
      kind: 'Pod',
      name: 'web-5d8f7c9b6-x2k9p',
    });
  });

  it("Deployment with a long name: the API server cut the pod name's base to 58 characters, inside the hash or the name", () => {
    const hash = '7f9c6d5b4';
    // "-HASH-" cut after its first characters
    const deploy = 'a'.repeat(52);
    const base = `${deploy}-${hash}-`.slice(0, 58);
    expect(base).toBe(`${deploy}-7f9c6`);
    expect(workloadOf(`${base}zzzzz`, { 'pod-template-hash': hash })).toEqual({ kind: 'Deployment', name: deploy });
    // cut inside the Deployment's own name: every pod of it shares the cut name
    const long = 'b'.repeat(70);
    expect(workloadOf(`${long.slice(0, 58)}qqqqq`, { 'pod-template-hash': hash })).toEqual({
      kind: 'Deployment',
      name: 'b'.repeat(58),
    });
  });

  it('StatefulSet: the ordinal is stripped when statefulset.kubernetes.io/pod-name is the pod', () => {
    expect(
      workloadOf('db-12', { 'statefulset.kubernetes.io/pod-name': 'db-12', 'controller-revision-hash': 'db-x' }),
    ).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(workloadOf('db-12', {})).toEqual({ kind: 'Pod', name: 'db-12' });
  });

  it('DaemonSet: the generated suffix is stripped (controller-revision-hash and pod-template-generation)', () => {
    const ds = { 'controller-revision-hash': '6f4b8c', 'pod-template-generation': '3' };
    expect(workloadOf('node-exporter-8xk2q', ds)).toEqual({ kind: 'DaemonSet', name: 'node-exporter' });
    expect(workloadOf('node-exporter', ds)).toEqual({ kind: 'Pod', name: 'node-exporter' });
  });

  it("Job: its job-name label; a CronJob's Job (NAME-MINUTE): the CronJob", () => {
    expect(workloadOf('migrate-x7k2p', { 'batch.kubernetes.io/job-name': 'migrate', 'job-name': 'migrate' })).toEqual({
      kind: 'Job',
      name: 'migrate',
    });
    expect(workloadOf('migrate-2-x7k2p', { 'job-name': 'migrate' })).toEqual({ kind: 'Job', name: 'migrate' });
    expect(workloadOf('backup-29012345-abcde', { 'job-name': 'backup-29012345' })).toEqual({
      kind: 'CronJob',
      name: 'backup',
    });
    expect(workloadOf('other-x7k2p', { 'job-name': 'migrate' })).toEqual({ kind: 'Pod', name: 'other-x7k2p' });
  });

  it('a bare pod, or one no rule fits, is its own workload', () => {
    expect(workloadOf('debug', {})).toEqual({ kind: 'Pod', name: 'debug' });
    expect(workloadOf('web-abcde', { app: 'web' })).toEqual({ kind: 'Pod', name: 'web-abcde' });
  });
});

describe('the layout', () => {
  const key = { namespace: 'staging', workload: 'web', container: 'main' };

  it('DIR/NAMESPACE/WORKLOAD/CONTAINER/POD[.N].recording.json and CONTAINER.merged.recording.json', () => {
    expect(recordingFile('/d', key, 'web-5d8f7c9b6-x2k9p', 1)).toBe(
      '/d/staging/web/main/web-5d8f7c9b6-x2k9p.recording.json',
    );
    expect(recordingFile('/d', key, 'web-5d8f7c9b6-x2k9p', 2)).toBe(
      '/d/staging/web/main/web-5d8f7c9b6-x2k9p.2.recording.json',
    );
    expect(mergedFile('/d', key)).toBe('/d/staging/web/main.merged.recording.json');
    expect(() => recordingFile('/d', { ...key, workload: '..' }, 'p', 1)).toThrow(
      /workload "\.\." is not a Kubernetes name/,
    );
    expect(() => recordingFile('/d', key, 'a/b', 1)).toThrow(/pod "a\/b" is not a Kubernetes name/);
    // file names end at 255 bytes: a 253-character pod name is cut, and stays distinct
    const long = (c: string): string => path.basename(recordingFile('/d', key, `${'p'.repeat(252)}${c}`, 12));
    expect(long('a')).toMatch(/^p{191}-[0-9a-f]{8}\.12\.recording\.json$/);
    expect(long('a')).not.toBe(long('b'));
    expect(Buffer.byteLength(long('a'))).toBeLessThanOrEqual(255);
  });

  it('names: NAMESPACE-POD-CONTAINER[-N], and a hash keeps long ones distinct within 63 characters', () => {
    expect(recordingName(key, 'web-1', 1)).toBe('staging-web-1-main');
    expect(recordingName(key, 'web-1', 3)).toBe('staging-web-1-main-3');
    expect(mergedName(key)).toBe('staging-web-main');
    const long = { ...key, workload: 'w'.repeat(60) };
    const a = recordingName(long, `${'w'.repeat(60)}-aaaaa`, 1);
    const b = recordingName(long, `${'w'.repeat(60)}-bbbbb`, 1);
    expect(a).not.toBe(b);
    for (const n of [a, b, mergedName(long)]) expect(isValidName(n)).toBe(true);
    expect(boundedName('x'.repeat(100))).toMatch(/^x{54}-[0-9a-f]{8}$/);
  });
});
