// The CRI handler's wrapper with a stand-in for runc: a `create` of a Kubernetes container (containerd's or CRI-O's
// container-type annotation) runs under strace in a session of its own, in an audit session of its own, and the
// finisher runs with the session once the "container" has ended; a pod sandbox's create and every other call pass through.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp, waitFor } from '../helpers/bundles.js';
import { installCriWrapper, nodePaths } from '../../src/cri/handler.js';

const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
const why =
  process.getuid?.() !== 0
    ? `the wrapper attaches strace to its caller, which needs root (running as uid ${process.getuid?.()})`
    : !strace
      ? 'strace is not installed (apt-get install strace)'
      : undefined;
if (why) console.warn(`skipped CRI wrapper integration: ${why}`);

describe.skipIf(why)('CRI handler wrapper', () => {
  let tmp: string;
  let wrapper: string;
  const bundle = (name: string, annotations: Record<string, string>): string => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir);
    // containerd writes compact JSON; CRI-O's has spaces after the colons
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      name === 'crio'
        ? JSON.stringify({ process: { args: ['/bin/true'] }, annotations }, null, 1)
        : JSON.stringify({ process: { args: ['/bin/true'] }, annotations }),
    );
    return dir;
  };

  beforeAll(() => {
    tmp = makeTemp('tracewall-wrapper-cri-');
    const fake = path.join(tmp, 'fake-runc');
    fs.writeFileSync(
      fake,
      '#!/bin/sh\ncase " $* " in\n  *" create "*) (sleep 0.3; exec /bin/true) >/dev/null & exit 0 ;;\n  *) echo "pass:$*" ;;\nesac\n',
      { mode: 0o755 },
    );
    // the finisher stand-in: says it ran, with the session it was given
    const finish = path.join(tmp, 'finish');
    fs.writeFileSync(
      finish,
      `#!/bin/sh\necho "$@" > ${JSON.stringify(path.join(tmp, 'finished'))}.$(basename "$1")\n`,
      {
        mode: 0o755,
      },
    );
    wrapper = installCriWrapper(path.join(tmp, 'node'), { realRuntime: fake, strace: strace!, finish: [finish] });
  });
  afterAll(() => {
    if (tmp) rmTemp(tmp);
  });

  const call = (...args: string[]) => spawnSync(wrapper, args, { encoding: 'utf8', timeout: 20_000 });

  it('records the create of a containerd container and of a CRI-O container, then runs the finisher', async () => {
    const cases = [
      ['containerd', { 'io.kubernetes.cri.container-type': 'container' }, 'a'.repeat(64)],
      ['crio', { 'io.kubernetes.cri-o.ContainerType': 'container' }, 'b'.repeat(64)],
    ] as const;
    for (const [name, annotations, id] of cases) {
      const r = call('--root', '/x', 'create', '--bundle', bundle(name, annotations), id);
      expect(r.status, r.stderr).toBe(0);
      const finished = path.join(tmp, `finished.cri-${id}`);
      await waitFor(`the finisher of ${name}`, () => (fs.existsSync(finished) ? true : undefined), 15_000);
      const session = path.join(nodePaths(path.join(tmp, 'node')).sessions, `cri-${id}`);
      expect(fs.readFileSync(finished, 'utf8').trim()).toBe(session);
      expect(fs.readFileSync(path.join(session, 'strace.log'), 'utf8')).toMatch(/execve\("\/bin\/true"/);
      expect(JSON.parse(fs.readFileSync(path.join(session, 'config.json'), 'utf8'))).toMatchObject({ annotations });
      expect(Number(fs.readFileSync(path.join(session, 'session'), 'utf8'))).toBeGreaterThan(0);
    }
  });

  it("passes a pod sandbox's create and every other call straight through", () => {
    const sandbox = bundle('sandbox', { 'io.kubernetes.cri.container-type': 'sandbox' });
    const id = 'c'.repeat(64);
    expect(call('create', '--bundle', sandbox, id).status).toBe(0);
    expect(fs.existsSync(path.join(nodePaths(path.join(tmp, 'node')).sessions, `cri-${id}`))).toBe(false);
    expect(call('--root', '/x', 'start', id).stdout).toBe(`pass:--root /x start ${id}\n`);
  });
});
