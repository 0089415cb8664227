// Issue 13 item 12, through bin/tracewall: reads of secrets rated at least high, socket families by name, validate's
// Pod Security Standards check and --strict, and colour on request for CI logs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRecording } from '../../src/recording/io.js';
import { makeRecording } from '../unit/render-helpers.js';
import { cli, NOT_BUILT, ROOT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);
const NGINX_AA = path.join(ROOT, 'profiles', 'nginx.apparmor');
const ESC = '\u001b[';

/** The nginx AppArmor profile with `rules` added before its closing brace. */
function withRules(dir: string, rules: string[]): string {
  const text = fs.readFileSync(NGINX_AA, 'utf8').replace(/\}\n$/, `${rules.map((r) => `  ${r}\n`).join('')}}\n`);
  const file = path.join(dir, 'new.apparmor');
  fs.writeFileSync(file, text);
  return file;
}

describe.skipIf(NOT_BUILT)('reviewer signal', () => {
  it('a new read of a secret is rated high or critical, also through a glob that reaches it', () => {
    const file = withRules(scratch('aa'), [
      '/etc/shadow r,',
      '/home/*/.ssh/** r,',
      '"/var/run/secrets/kubernetes.io/serviceaccount/token" r,',
      '/proc/kcore r,',
      '/etc/** r,',
      '/srv/data/** r,',
    ]);
    const json = JSON.parse(cli(['diff', '--format', 'json', NGINX_AA, file]).stdout);
    const risk = Object.fromEntries(json.findings.map((f: { subject: string; risk: string }) => [f.subject, f.risk]));
    expect(risk).toEqual({
      '/proc/kcore': 'critical',
      '/etc/shadow': 'high',
      '/etc/**': 'high',
      '/home/*/.ssh/**': 'high',
      '/var/run/secrets/kubernetes.io/serviceaccount/token': 'high',
      '/srv/data/**': 'low',
    });
    const text = cli(['diff', '--fail-on', 'high', NGINX_AA, file]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('+ file /etc/shadow: r: read of a secret: password hashes');
  });

  it('in recordings too: a run that newly reads /etc/gshadow is a high-risk change', () => {
    const dir = scratch('rec');
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    fs.writeFileSync(a, serializeRecording(makeRecording({ files: { '/etc/passwd': { access: ['read'] } } })));
    fs.writeFileSync(
      b,
      serializeRecording(
        makeRecording({ files: { '/etc/passwd': { access: ['read'] }, '/etc/gshadow': { access: ['read'] } } }),
      ),
    );
    const r = cli(['diff', a, b]);
    expect(r.stdout).toMatch(/^high \(1\)\n {2}\+ file \/etc\/gshadow: .*read of a secret: password hashes$/m);
  });

  it('socket families are named: arg0 == AF_INET, not arg0 == 2', () => {
    const r = cli(['diff', 'docker-default', path.join(ROOT, 'profiles', 'busybox-web.seccomp.json')]);
    expect(r.stdout).toMatch(/~ syscall socket: conditions .*\+ arg0 == AF_INET/);
    expect(r.stdout).not.toMatch(/syscall socket:.*arg0 == 2\b/);
  });

  it('validate: Pod Security Standards baseline breaches are warnings; --strict makes them fail', () => {
    const file = path.join(scratch('pss'), 'pod.yaml');
    fs.writeFileSync(
      file,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers:\n    - name: app\n      image: x\n      securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}\n',
    );
    const plain = cli(['validate', file]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain(
      `${file}: warning: Pod Security Standards baseline: hostPID: must be unset or false`,
    );
    expect(plain.stdout).toContain(
      'warning: Pod Security Standards baseline: securityContext.capabilities.add (container "app"): adds SYS_ADMIN',
    );
    expect(plain.stdout).toContain('info: Pod Security Standards restricted: securityContext.runAsNonRoot');
    const strict = cli(['validate', '--strict', file]);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toBe('tracewall: validate: --strict: warnings found (see above)\n');
    // The generated examples meet baseline: --strict passes them.
    expect(cli(['validate', '--strict', path.join(ROOT, 'profiles', 'nginx.k8s.yaml')]).status).toBe(0);
  });

  it('colour: --color / --no-color first, then FORCE_COLOR, then NO_COLOR, then the terminal', () => {
    const args = [
      'diff',
      path.join(ROOT, 'profiles', 'nginx.seccomp.json'),
      path.join(ROOT, 'profiles', 'busybox-web.seccomp.json'),
    ];
    const coloured = (extra: string[], env: NodeJS.ProcessEnv) =>
      cli([...args.slice(0, 1), ...extra, ...args.slice(1)], { env }).stdout.includes(ESC);
    const none = { NO_COLOR: undefined, FORCE_COLOR: undefined };
    expect(coloured([], none)).toBe(false); // a pipe is not a terminal
    expect(coloured(['--color'], { ...none, NO_COLOR: '1' })).toBe(true);
    expect(coloured([], { ...none, FORCE_COLOR: '1' })).toBe(true);
    expect(coloured([], { ...none, FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(coloured(['--no-color'], { ...none, FORCE_COLOR: '1' })).toBe(false);
    expect(coloured([], { ...none, FORCE_COLOR: '0' })).toBe(false);
    expect(coloured(['--format', 'json', '--color'], none)).toBe(false);
    // check's text report follows the same rules.
    const check = [
      'check',
      '--profiles',
      path.join(ROOT, 'profiles'),
      '--name',
      'nginx',
      '--color',
      path.join(ROOT, 'examples', 'busybox-web.recording.json'),
    ];
    expect(cli(check).stdout).toContain(ESC);
  });
});
