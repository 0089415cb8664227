// Issue 13 item 7, through bin/tracewall: built-in baselines (diff docker-default NEW, podman-default; containerd has
// none published), --min-risk to list only what matters, --summary for the counts alone.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, NOT_BUILT, ROOT } from './helpers.js';

const NGINX = path.join(ROOT, 'profiles', 'nginx.seccomp.json');
const DOCKER_FILE = path.join(ROOT, 'src', 'validate', 'schemas', 'docker-default-seccomp.json');

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe.skipIf(NOT_BUILT)('diff baselines and views', () => {
  it('the shipped copies are the published files named in src/baselines/SOURCES.md', () => {
    const sources = fs.readFileSync(path.join(ROOT, 'src', 'baselines', 'SOURCES.md'), 'utf8');
    expect(sources).toContain(sha256(DOCKER_FILE));
    expect(sources).toContain(sha256(path.join(ROOT, 'src', 'baselines', 'podman-default-seccomp.json')));
  });

  it('diff docker-default NEW is the diff against the shipped copy, labelled as built in', () => {
    const named = cli(['diff', '--format', 'json', 'docker-default', NGINX]);
    const byPath = cli(['diff', '--format', 'json', DOCKER_FILE, NGINX]);
    expect(named.status).toBe(0);
    const a = JSON.parse(named.stdout);
    const b = JSON.parse(byPath.stdout);
    expect(a.findings).toEqual(b.findings);
    expect(a.findings.length).toBeGreaterThan(300);
    expect(a.old.label).toMatch(/^docker-default \(built in: Docker's default seccomp profile/);
  });

  it('podman-default works as either side; containerd-default says why there is none', () => {
    const r = cli(['diff', '--summary', NGINX, 'podman-default']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/-> podman-default \(built in: the Podman\/CRI-O default/);
    const c = cli(['diff', 'containerd-default', NGINX]);
    expect(c.status).toBe(2);
    expect(c.stderr).toBe(
      'tracewall: containerd-default: containerd builds its default seccomp profile in Go code and publishes no profile file, so tracewall has no copy of it; the built-in baselines are docker-default, podman-default\n',
    );
  });

  it('--min-risk medium lists no low-risk change, the summary still counts them all', () => {
    const all = cli(['diff', 'docker-default', NGINX]).stdout;
    const r = cli(['diff', '--min-risk', 'medium', 'docker-default', NGINX]);
    expect(r.status).toBe(0);
    const summary = all.split('\n')[1]!;
    expect(r.stdout.split('\n')[1]).toBe(summary);
    expect(r.stdout).not.toMatch(/^low \(/m);
    expect(all).toMatch(/^low \((\d+)\)/m);
    const low = Number(/^low \((\d+)\)/m.exec(all)![1]);
    expect(r.stdout).toContain(`\n${low} findings below medium not listed (--min-risk medium)\n`);
    expect(r.stdout.split('\n').length).toBeLessThan(all.split('\n').length - 300);
    const md = cli(['diff', '--format', 'markdown', '--min-risk', 'high', 'docker-default', NGINX]).stdout;
    expect(md).not.toContain('<summary>low');
    expect(md).toContain('not listed (--min-risk high)_');
  });

  it('--summary prints the counts only; JSON says what it left out; --fail-on still sees everything', () => {
    const r = cli(['diff', '--summary', 'docker-default', NGINX]);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('  '))).toEqual([]);
    expect(r.stdout).toMatch(/^\d+ findings not listed \(--summary\)$/m);
    const json = JSON.parse(
      cli(['diff', '--format', 'json', '--min-risk', 'critical', 'docker-default', NGINX]).stdout,
    );
    expect(json.findings.every((f: { risk: string }) => f.risk === 'critical')).toBe(true);
    expect(json.listed).toMatchObject({ minRisk: 'critical' });
    expect(json.listed.hidden).toBeGreaterThan(300);
    // The reverse diff widens: --fail-on counts the hidden findings too.
    const f = cli(['diff', '--summary', '--fail-on', 'low', NGINX, 'docker-default']);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/--fail-on low reached: \d+ widening changes at low or above/);
  });
});
