import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommand, type CheckFlags } from '../../src/cli/check.js';
import { TracewallError } from '../../src/errors.js';
import type { Recording } from '../../src/recording/types.js';
import { batchPath, capture, servePath, tempDir, writeRec } from './merge-helpers.js';

let dir: string;
let profiles: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  profiles = path.join(dir, 'profiles');
  fs.mkdirSync(profiles);
});
afterEach(() => cleanup());

const flags = (extra: Partial<CheckFlags> = {}): CheckFlags => ({
  profiles,
  name: 'app',
  format: 'docker',
  defaultAction: 'errno',
  report: 'text',
  color: false,
  ...extra,
});

async function check(
  files: string[],
  extra: Partial<CheckFlags> = {},
): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  try {
    const code = await checkCommand(files, flags(extra), c.io);
    return { code, out: c.out(), err: c.err() };
  } catch (err) {
    if (err instanceof TracewallError) return { code: err.exitCode, out: c.out(), err: err.message };
    throw err;
  }
}

function withSyscall(r: Recording, name: string): Recording {
  const copy = structuredClone(r);
  copy.syscalls.x86_64![name] = { count: 1, failed: 0 };
  return copy;
}

describe('tracewall check', () => {
  it('exits 0 when the committed profiles are identical', async () => {
    const rec = writeRec(dir, servePath());
    expect((await check([rec], { update: true })).code).toBe(0);
    expect(fs.readdirSync(profiles).sort()).toEqual(['app.apparmor', 'app.k8s.yaml', 'app.seccomp.json']);
    const r = await check([rec]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('up to date: 3 same');
  });

  it('exits 1 after a recording changes, with a diff naming the added syscall, and 0 after --update', async () => {
    const rec = writeRec(dir, servePath());
    await check([rec], { update: true });
    writeRec(dir, withSyscall(servePath(), 'unshare'));
    const drift = await check([rec]);
    expect(drift.code).toBe(1);
    expect(drift.out).toContain('changed: app.seccomp.json: rules differ');
    expect(drift.out).toMatch(/\+ syscall unshare/);
    expect(drift.out).toContain('run the same command with --update');
    expect(drift.err).toContain('is out of date for profile app');

    const update = await check([rec], { update: true });
    expect(update.code).toBe(0);
    expect(update.err).toContain(`wrote ${path.join(profiles, 'app.seccomp.json')} (was changed)`);
    expect(fs.readFileSync(path.join(profiles, 'app.seccomp.json'), 'utf8')).toContain('"unshare"');
    expect((await check([rec])).code).toBe(0);
  });

  it('exits 1 when a profile file is missing', async () => {
    const rec = writeRec(dir, servePath());
    await check([rec], { update: true });
    fs.unlinkSync(path.join(profiles, 'app.apparmor'));
    const r = await check([rec]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('missing: app.apparmor');
    expect(r.out).toContain('1 missing, 2 same');
  });

  it('counts a stale file of this profile as drift, and --update removes it', async () => {
    const rec = writeRec(dir, servePath());
    await check([rec], { update: true });
    fs.writeFileSync(path.join(profiles, 'app.seccomp.yaml'), 'stale: true\n');
    fs.writeFileSync(path.join(profiles, 'other.seccomp.yaml'), 'not ours\n');
    const r = await check([rec]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('extra: app.seccomp.yaml');
    expect((await check([rec], { update: true })).code).toBe(0);
    expect(fs.existsSync(path.join(profiles, 'app.seccomp.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(profiles, 'other.seccomp.yaml'))).toBe(true);
    expect((await check([rec])).code).toBe(0);
  });

  it('checks several recordings as generate merges them', async () => {
    const a = writeRec(dir, servePath());
    const b = writeRec(dir, batchPath());
    await check([a], { update: true });
    const r = await check([a, b]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('from batch, serve');
    expect(r.out).toMatch(/\+ syscall mkdir/);
  });

  it('a re-recorded run that only differs in counts and times is not drift', async () => {
    const rec = writeRec(dir, servePath());
    await check([rec], { update: true });
    const again = servePath();
    again.syscalls.x86_64!.socket!.count = 5;
    again.syscalls.x86_64!.read!.count = 99;
    again.startedAt = '2025-01-01T00:00:00.000Z';
    writeRec(dir, again);
    expect((await check([rec])).code).toBe(0);
  });

  it('tells a change of comments only apart, and --ignore-comments lets it pass', async () => {
    const first = writeRec(dir, servePath());
    await check([first], { update: true });
    // the same behaviour recorded under another run name: only the provenance in comments changes
    const rec = writeRec(dir, servePath('serve-again'));
    const strict = await check([rec]);
    expect(strict.code).toBe(1);
    expect(strict.out).toContain('changed: app.seccomp.json: only comments differ');
    const lenient = await check([rec], { ignoreComments: true });
    expect(lenient.code).toBe(0);
    expect(lenient.out).toContain('up to date apart from comments');
  });

  it('reports in markdown for a pull-request comment, and in versioned JSON', async () => {
    const rec = writeRec(dir, servePath());
    await check([rec], { update: true });
    writeRec(dir, withSyscall(servePath(), 'unshare'));
    const md = await check([rec], { report: 'markdown' });
    expect(md.code).toBe(1);
    expect(md.out).toMatch(/^## tracewall check: profiles out of date\n/);
    expect(md.out).toContain('| `app.seccomp.json` | changed | rules differ |');
    expect(md.out).toContain('### tracewall diff: seccomp');
    expect(md.out).toContain('`unshare`');
    const json = JSON.parse((await check([rec], { report: 'json' })).out);
    expect(json).toMatchObject({ format: 'tracewall-check', formatVersion: 1, status: 'drift', name: 'app' });
    const seccomp = json.files.find((f: { file: string }) => f.file === 'app.seccomp.json');
    expect(seccomp.status).toBe('changed');
    expect(seccomp.diff.findings.map((f: { subject: string }) => f.subject)).toContain('unshare');
  });

  it('works with the spo format', async () => {
    const rec = writeRec(dir, servePath());
    expect((await check([rec], { format: 'spo', update: true })).code).toBe(0);
    expect(fs.existsSync(path.join(profiles, 'app.seccomp.yaml'))).toBe(true);
    expect((await check([rec], { format: 'spo' })).code).toBe(0);
    writeRec(dir, withSyscall(servePath(), 'unshare'));
    const r = await check([rec], { format: 'spo' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\+ syscall unshare/);
  });

  it('exits 2 on unreadable recordings, a missing profiles directory and bad flag values', async () => {
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ not json');
    const broken = await check([path.join(dir, 'broken.json')]);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('broken.json: not valid JSON');
    expect((await check([path.join(dir, 'absent.json')])).code).toBe(2);
    const rec = writeRec(dir, servePath());
    const noDir = await check([rec], { profiles: path.join(dir, 'nope') });
    expect(noDir.code).toBe(2);
    expect(noDir.err).toContain('pass --update to create it');
    expect((await check([rec], { report: 'html' })).err).toContain('--report "html"');
    expect((await check([rec], { format: 'xml' })).code).toBe(2);
  });

  it('creates the profiles directory with --update', async () => {
    const rec = writeRec(dir, servePath());
    const fresh = path.join(dir, 'new', 'profiles');
    expect((await check([rec], { profiles: fresh, update: true })).code).toBe(0);
    expect(fs.readdirSync(fresh).sort()).toEqual(['app.apparmor', 'app.k8s.yaml', 'app.seccomp.json']);
  });
});
