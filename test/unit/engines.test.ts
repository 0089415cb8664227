// The pure parts of `record --docker|--podman`: run-argument checks, dockerd's runtime registration, the engine's
// config.json, and the wrapper runtime script.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseRunArgs } from '../../src/engines/run-args.js';
import { dockerSetupHint, registeredWrapper } from '../../src/engines/docker.js';
import { ociProcess } from '../../src/engines/oci-process.js';
import { WRAPPER_MARKER, shQuote, wrapperScript } from '../../src/trace/wrapper-runtime.js';
import { TracewallError } from '../../src/errors.js';

function exitOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof TracewallError ? err.exitCode : undefined;
  }
  return 0;
}

describe('parseRunArgs', () => {
  it('finds the image after boolean flags, flags with values and --flag=value', () => {
    expect(
      parseRunArgs('docker', [
        '--rm',
        '-it',
        '-e',
        'A=1',
        '--name=x',
        '-v',
        '/a:/b',
        'busybox:1',
        'sh',
        '-c',
        'ls -d /',
      ]),
    ).toEqual({
      options: ['--rm', '-it', '-e', 'A=1', '--name=x', '-v', '/a:/b'],
      image: 'busybox:1',
      command: ['sh', '-c', 'ls -d /'],
      remove: true,
    });
    expect(parseRunArgs('podman', ['--replace', '--network', 'none', '-u1000', 'img']).image).toBe('img');
    expect(parseRunArgs('docker', ['--rm=false', 'img']).remove).toBe(false);
  });

  it('refuses what would end the run before the container or what tracewall sets itself (exit 2)', () => {
    for (const args of [
      ['-d', 'img'],
      ['-dit', 'img'],
      ['--detach', 'img'],
      ['--cidfile', 'f', 'img'],
      ['--runtime=crun', 'img'],
      ['--help'],
    ]) {
      expect(
        exitOf(() => parseRunArgs('docker', args)),
        args.join(' '),
      ).toBe(2);
    }
    expect(exitOf(() => parseRunArgs('docker', ['--detach=false', 'img']))).toBe(0);
    // after the image, -d belongs to the command
    expect(parseRunArgs('docker', ['img', 'ls', '-d']).command).toEqual(['ls', '-d']);
  });

  it('needs an image, and a value for a flag that takes one', () => {
    expect(exitOf(() => parseRunArgs('podman', ['--rm']))).toBe(2);
    expect(exitOf(() => parseRunArgs('docker', ['--rm', '-e']))).toBe(2);
  });
});

describe('dockerd runtime registration', () => {
  it('reads the path registered for "tracewall" from `docker info` Runtimes', () => {
    expect(registeredWrapper('{"runc":{"path":"runc"},"tracewall":{"path":"/var/lib/tracewall/docker-runtime"}}')).toBe(
      '/var/lib/tracewall/docker-runtime',
    );
    expect(registeredWrapper('{"runc":{"path":"runc"}}')).toBeUndefined();
    expect(registeredWrapper('not json')).toBeUndefined();
  });

  it('tells the user the exact daemon.json entry and --add-runtime flag', () => {
    const hint = dockerSetupHint();
    expect(hint).toContain('"runtimes":{"tracewall":{"path":"');
    expect(hint).toMatch(/--add-runtime tracewall=\/\S+docker-runtime/);
  });
});

describe('ociProcess', () => {
  it("takes argv, cwd, user and no_new_privs from the engine's config.json", () => {
    const bind = { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro'] };
    const cfg = JSON.stringify({
      process: { args: ['/bin/sh', '-c', 'x'], cwd: '/w', user: { uid: 1000, gid: 100 }, noNewPrivileges: true },
      mounts: [bind, { destination: 7 }, 'junk'],
    });
    expect(ociProcess(cfg, 'c')).toEqual({
      argv: ['/bin/sh', '-c', 'x'],
      cwd: '/w',
      uid: 1000,
      gid: 100,
      noNewPrivileges: true,
      terminal: false,
      mounts: [bind],
      hasPidNamespace: false,
    });
    expect(ociProcess(JSON.stringify({ process: { args: ['a'] } }), 'c')).toMatchObject({
      cwd: '/',
      uid: 0,
      noNewPrivileges: false,
    });
    expect(exitOf(() => ociProcess('{', 'c'))).toBe(2);
    expect(exitOf(() => ociProcess('{"process":{"args":[]}}', 'c'))).toBe(2);
  });
});

describe('wrapperScript', () => {
  const spec = {
    realRuntime: "/usr/sbin/ru'nc",
    strace: '/usr/bin/strace',
    sessionsDir: '/var/lib/tracewall/docker-runtime.sessions',
  };

  it('is valid sh, carries the marker, and quotes every embedded path', () => {
    const text = wrapperScript(spec);
    expect(text.split('\n')[1]).toBe(WRAPPER_MARKER);
    expect(text).toContain(`REAL=${shQuote(spec.realRuntime)}`);
    expect(text).toContain("'--decode-pids=pidns'");
    expect(text).toContain('\'-o\' "$s/strace.log" -p $$');
    expect(spawnSync('/bin/sh', ['-n'], { input: text }).status).toBe(0);
  });

  it('hides the cgroup2 mounts from crun in a private mount namespace only when asked', () => {
    expect(wrapperScript(spec)).toMatch(/^exec "\$REAL" "\$@"$/m);
    const hidden = wrapperScript({
      ...spec,
      hideCgroup2: { unshare: '/usr/bin/unshare', mounts: ['/sys/fs/cgroup/unified'] },
    });
    expect(hidden).toContain("exec '/usr/bin/unshare' --mount --propagation private");
    expect(hidden).toContain('umount -l');
    expect(spawnSync('/bin/sh', ['-n'], { input: hidden }).status).toBe(0);
  });
});
