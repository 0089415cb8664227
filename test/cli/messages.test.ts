// Issue 13 item 11, through bin/tracewall: one "tracewall:" prefix, fs error codes named once, a profile given where a
// recording belongs is named as what it is, counts with the right plural, and verify under runc's enforce mode says
// that "nothing was denied" is not knowable.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRecording } from '../../src/recording/io.js';
import { syscallNames } from '../../src/syscalls/index.js';
import { makeRecording } from '../unit/render-helpers.js';
import { makeBusyboxBundle, needRoot } from '../helpers/bundles.js';
import { cli, NOT_BUILT, ROOT, scratchDirs, writeSeccomp } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

const NGINX = path.join(ROOT, 'profiles', 'nginx');

describe.skipIf(NOT_BUILT)('messages', () => {
  it('a file-system error names its code once', () => {
    const dir = scratch('fs');
    const cases: Array<[string[], string]> = [
      [
        ['diff', path.join(dir, 'missing.json'), `${NGINX}.seccomp.json`],
        'cannot read OLD file: ENOENT (no such file or directory)',
      ],
      [['diff', `${NGINX}.seccomp.json`, dir], 'cannot read NEW file: EISDIR (illegal operation on a directory)'],
      [['generate', '-o', dir, dir], 'cannot read recording: EISDIR (illegal operation on a directory)'],
      [
        ['merge', '-o', path.join(dir, 'm.json'), path.join(dir, 'nope.json')],
        'cannot read recording: ENOENT (no such file or directory)',
      ],
    ];
    for (const [args, text] of cases) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(text);
      expect(r.stderr).not.toMatch(/\b(E[A-Z]+) \1\b/);
      expect(r.stderr).toMatch(/^tracewall: /);
    }
    const v = cli(['validate', dir]);
    expect(v.status).toBe(2);
    expect(v.stdout).toContain(`${dir}: error: cannot read file: EISDIR (illegal operation on a directory)\n`);
  });

  it('a profile given where recordings belong is named, with what the verb takes', () => {
    const out = scratch('gen');
    const kinds: Array<[string, string]> = [
      [`${NGINX}.seccomp.json`, 'a seccomp profile (Docker format)'],
      [`${NGINX}.apparmor`, 'an AppArmor profile'],
      [`${NGINX}.k8s.yaml`, 'Kubernetes YAML'],
    ];
    for (const [file, what] of kinds) {
      const r = cli(['generate', '-o', out, file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(
        `tracewall: ${file}: that is ${what}, not a recording: generate takes recordings (what \`tracewall record\` writes)\n`,
      );
      expect(r.stderr).not.toContain('schemaVersion');
    }
    expect(fs.readdirSync(out)).toEqual([]);
    expect(cli(['merge', '-o', path.join(out, 'm.json'), `${NGINX}.seccomp.json`]).stderr).toContain(
      'not a recording: merge takes recordings',
    );
    expect(cli(['check', '--profiles', out, `${NGINX}.seccomp.json`]).stderr).toContain(
      'not a recording: check takes recordings (what `tracewall record` writes); the committed profiles go in --profiles DIR',
    );
  });

  it('counts have the right plural', () => {
    const dir = scratch('plural');
    const one = makeRecording({
      name: 'one',
      files: { '/etc/hosts': { access: ['read'] } },
      executables: [{ path: '/usr/bin/app', argv0: 'app', parent: '' }],
      network: {
        sockets: [{ family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP' }],
        bind: [],
        connect: [],
        listen: [],
      },
      identity: { uids: [0], gids: [0], changes: [], capabilities: [{ name: 'CAP_CHOWN', reasons: ['chown'] }] },
    });
    const file = path.join(dir, 'one.recording.json');
    fs.writeFileSync(file, serializeRecording(one));
    const r = cli(['merge', '-o', path.join(dir, 'm.recording.json'), file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'tracewall: merged 1 run (one) into m: 1 x86_64 syscall, 1 file, 1 executable, 1 socket kind, 1 capability\n',
    );
  });
});

// verify --mode enforce under runc: the kernel records kills only, so an EPERM answer leaves no trace.
const noRunc = needRoot('runc');

describe.skipIf(NOT_BUILT || noRunc !== undefined)('verify --mode enforce under runc', () => {
  it('says that whether anything was denied is not known, instead of "nothing was denied"', () => {
    const dir = scratch('runc');
    // mkdir fails with EPERM and the shell carries on: a denial the workload survives.
    const bundle = makeBusyboxBundle(path.join(dir, 'b'), { args: ['sh', '-c', 'mkdir /tmp/d; echo done'] });
    const allButMkdir = syscallNames('x86_64').filter((n) => n !== 'mkdir');
    const profile = writeSeccomp(path.join(dir, 'no-mkdir.json'), allButMkdir);
    const args = ['verify', '--bundle', bundle.dir, '--seccomp', profile, '--runtime', 'runc', '--mode', 'enforce'];
    const r = cli(args);
    expect(r.stdout, r.stderr).toContain(
      'result: no kill was recorded, but runc does not report calls answered with an errno, so whether anything was denied is not known: verify in log mode, or with crun, to know\n',
    );
    expect(r.stdout).not.toContain('nothing was denied');
    const json = JSON.parse(cli([...args, '--json']).stdout);
    expect(json.result).toMatchObject({ denied: 0, errnoDenialsReported: false });
    // In log mode the same profile shows the mkdir.
    const log = cli(['verify', '--bundle', bundle.dir, '--seccomp', profile, '--runtime', 'runc']);
    expect(log.status).toBe(1);
    expect(log.stdout).toContain('mkdir (x86_64): 1 call');
    expect(spawnSync('runc', ['list', '-q'], { encoding: 'utf8' }).stdout).not.toContain('tracewall');
  });
});
