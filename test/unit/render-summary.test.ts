import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPolicy } from '../../src/analyze/policy.js';
import { renderAll } from '../../src/render/index.js';
import { countDockerDefault } from '../../src/render/summary.js';
import { loadDockerDefault, loadTemplate } from '../../src/util/package-files.js';

const apparmorTemplate = loadTemplate('apparmor');
const readDockerDefaultCount = (file: string) => countDockerDefault(loadDockerDefault(file), file);
import { renderAppArmor } from '../../src/render/apparmor.js';
import { renderK8s } from '../../src/render/k8s.js';
import { renderSeccompJson } from '../../src/render/seccomp.js';
import { fromRoot } from '../../src/util/paths.js';
import { loadRecording, makeRecording } from './render-helpers.js';

const DOCKER_DEFAULT = fromRoot('src', 'validate', 'schemas', 'docker-default-seccomp.json');
const fixturePolicy = () => buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });

describe("Docker's default profile count", () => {
  it('reproduces 361 unconditional names, and 369 for a default amd64 container', () => {
    const c = readDockerDefaultCount(DOCKER_DEFAULT);
    expect(c.unconditional).toBe(361);
    expect(c.amd64).toBe(369);
    expect(c.method).toMatch(/without args, includes or excludes/);
  });
  it('counts by the documented rules', () => {
    const c = countDockerDefault({
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['read'], action: 'SCMP_ACT_ALLOW', includes: {}, excludes: {} },
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
        { names: ['cacheflush'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm'] } },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390'] } },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
    expect([c.unconditional, c.amd64]).toEqual([2, 5]);
  });
  it('refuses a file that is not a profile', () => {
    expect(() => countDockerDefault({ nope: 1 })).toThrow(/not a Docker seccomp profile/);
    expect(() => readDockerDefaultCount('/nonexistent/default.json')).toThrow(/cannot read/);
  });
});

describe('renderAll', () => {
  it('renders the three artefacts exactly as the single renderers do', () => {
    const p = fixturePolicy();
    const out = renderAll(p, { apparmorTemplate, format: 'oci' });
    expect(out.seccomp).toBe(renderSeccompJson(p, { format: 'oci' }));
    expect(out.apparmor).toBe(renderAppArmor(p, { template: apparmorTemplate }).text);
    expect(out.k8s).toBe(renderK8s(p));
    expect(JSON.parse(out.seccomp).syscalls[0].comment).toBeUndefined();
  });

  it('summarises counts, the runtime layer, generalisation, verdicts and the Docker comparison', () => {
    const s = renderAll(fixturePolicy(), {
      apparmorTemplate,
      dockerDefault: loadDockerDefault(DOCKER_DEFAULT),
    }).summary;
    expect(s.seccomp).toMatchObject({
      format: 'docker',
      defaultAction: 'errno',
      allowed: 51,
      application: 47,
      runtimeLayer: { runtime: 'runc 1.1.5', added: ['epoll_ctl', 'fstatfs', 'futex', 'getdents64'] },
      dockerDefault: { unconditional: 361, amd64: 369 },
    });
    expect(s.apparmor.generalized).toEqual([{ pattern: '/tmp/tmp.*', step: 'temp-name', paths: 1 }]);
    expect(s.apparmor.omittedDenies).toEqual([]);
    expect(s.k8s).toMatchObject({ readOnlyRootFilesystem: true, volumes: ['/tmp'], runAsNonRoot: false });
    expect(s.k8s.restricted.meets).toBe(false);
    expect(s.warnings).toEqual([]);
    expect([s.allowedSyscalls, s.appSyscalls, s.runtimeSyscalls, s.dockerDefaultAllowed]).toEqual([51, 47, 4, 361]);
    expect(s.notes).toEqual([
      'k8s: does not meet the Pod Security Standards "restricted" level: spec.containers[0].securityContext.runAsNonRoot (must be true (here or in the pod securityContext))',
      'k8s: readOnlyRootFilesystem: true, with emptyDir volumes at /tmp',
      'generalised "/tmp/tmp.*" (temp-name) from 1 observed path',
    ]);
  });

  it('renders the spo format and takes the AppArmor annotation shorthand', () => {
    const out = renderAll(fixturePolicy(), { apparmorTemplate, format: 'spo', apparmorAnnotation: true });
    expect(out.seccomp).toMatch(/^kind: SeccompProfile$/m);
    expect(out.k8s).toContain('container.apparmor.security.beta.kubernetes.io/busybox-httpd: localhost/busybox-httpd');
  });

  it('quotes hostile paths in messages so that a terminal shows what they hold', () => {
    const r = makeRecording({
      files: { '/data/a\u202eb\nc': { access: ['read', 'exec'] }, '/etc/x\u200bz': { access: ['write'] } },
    });
    const s = renderAll(buildPolicy([r], { name: 'q', runtime: 'none' }), {
      apparmorTemplate,
    }).summary;
    for (const n of s.notes) expect(n).toMatch(/^[\x20-\x7e]*$/);
    expect(s.notes.join('\n')).toContain('\\u200b');
  });

  it('leaves the Docker comparison out when no file is given, and collects warnings from every stage', () => {
    const r = makeRecording({
      name: 'w',
      warnings: ['lost 3 events'],
      syscalls: { x86_64: { read: { count: 1, failed: 0 }, syscall_0x1f4: { count: 1, failed: 0 } } },
      files: { '/data/a\u0000b': { access: ['read'] } },
    });
    const s = renderAll(buildPolicy([r], { name: 'w', runtime: 'none' }), {
      apparmorTemplate,
    }).summary;
    expect(s.seccomp.dockerDefault).toBeUndefined();
    expect(s.warnings.some((w) => w === 'w: lost 3 events')).toBe(true);
    expect(s.warnings.some((w) => w.startsWith('seccomp: syscall "syscall_0x1f4"'))).toBe(true);
    expect(s.warnings.some((w) => w.startsWith('apparmor: file rule for') && w.includes('NUL'))).toBe(true);
  });

  it('the fixture recording is in normal form and schema-valid', async () => {
    const { serializeRecording } = await import('../../src/recording/io.js');
    const text = fs.readFileSync(fromRoot('test', 'fixtures', 'recordings', 'busybox-httpd.json'), 'utf8');
    expect(JSON.parse(serializeRecording(loadRecording('busybox-httpd')))).toEqual(JSON.parse(text));
  });
});
