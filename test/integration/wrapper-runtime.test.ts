// The wrapper runtime with a stand-in for runc: a `create` of the session's container runs under strace, which keeps
// following the container process after `create` has returned (as runc's init waits for `start`); everything else,
// and a second create, passes straight through.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTemp, rmTemp } from '../helpers/bundles.js';
import { installWrapper } from '../../src/trace/wrapper-install.js';
import {
  openSession,
  sessionClaimed,
  tracerStatus,
  waitForTracer,
  type WrapperSession,
} from '../../src/trace/wrapper-session.js';
import { TracewallError } from '../../src/errors.js';

const strace = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
const why =
  process.getuid?.() !== 0
    ? `the wrapper runtime attaches strace to its caller, which needs root (running as uid ${process.getuid?.()})`
    : !strace
      ? 'strace is not installed (apt-get install strace)'
      : undefined;
if (why) console.warn(`skipped wrapper runtime integration: ${why}`);

const ID = '0123456789abcdef0123';

describe.skipIf(why)('wrapper runtime', () => {
  let tmp: string;
  let wrapper: string;
  let session: WrapperSession;

  beforeAll(() => {
    tmp = makeTemp('tracewall-wrapper-');
    // the stand-in runtime: `create` leaves a "container" behind that runs its entrypoint a little later, then returns
    const fake = path.join(tmp, 'fake-runc');
    fs.writeFileSync(
      fake,
      '#!/bin/sh\ncase " $* " in\n  *" create "*) (sleep 0.3; exec /bin/echo entry-ran) >/dev/null & exit 0 ;;\n  *) echo "pass:$*" ;;\nesac\n',
      { mode: 0o755 },
    );
    fs.mkdirSync(path.join(tmp, 'bundle'));
    fs.writeFileSync(
      path.join(tmp, 'bundle', 'config.json'),
      JSON.stringify({ process: { args: ['/bin/echo', 'entry-ran'] } }),
    );
    wrapper = path.join(tmp, 'rt', 'runtime');
    installWrapper(wrapper, { realRuntime: fake, strace: strace!, sessionsDir: `${wrapper}.sessions` });
    session = openSession(`${wrapper}.sessions`);
    fs.writeFileSync(session.cidFile, ID);
  });
  afterAll(() => rmTemp(tmp));

  const call = (...args: string[]) => spawnSync(wrapper, args, { encoding: 'utf8', timeout: 20_000 });

  it('passes other calls through untouched', () => {
    const r = call('--root', '/x', 'state', ID);
    expect(r.stdout).toBe(`pass:--root /x state ${ID}\n`);
    expect(sessionClaimed(session)).toBe(false);
  });

  it("traces the session's create past its return, to the entrypoint's end", async () => {
    const started = Date.now();
    const r = call('--log', 'l.json', 'create', '--bundle', path.join(tmp, 'bundle'), '--pid-file', 'p', ID);
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sessionClaimed(session)).toBe(true);
    expect(await waitForTracer(session, 15_000)).toBe(true);
    expect(tracerStatus(session)).toBe(0);
    const log = fs.readFileSync(session.logFile, 'utf8');
    expect(log).toMatch(/execve\("\/bin\/echo", \["\/bin\/echo", "entry-ran"\]/);
    expect(JSON.parse(fs.readFileSync(session.configFile, 'utf8'))).toEqual({
      process: { args: ['/bin/echo', 'entry-ran'] },
    });
  });

  it('traces one create per session: a restart runs untraced', () => {
    const size = fs.statSync(session.logFile).size;
    const r = call('create', '--bundle', path.join(tmp, 'bundle'), ID);
    expect(r.status).toBe(0);
    expect(fs.statSync(session.logFile).size).toBe(size);
  });

  it('never writes over a file that is not its own wrapper', () => {
    const other = path.join(tmp, 'not-a-wrapper');
    fs.writeFileSync(other, '#!/bin/sh\nexec runc "$@"\n');
    let err: unknown;
    try {
      installWrapper(other, { realRuntime: '/bin/true', strace: strace!, sessionsDir: `${other}.sessions` });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TracewallError);
    expect((err as TracewallError).exitCode).toBe(3);
    expect(fs.readFileSync(other, 'utf8')).toBe('#!/bin/sh\nexec runc "$@"\n');
  });
});
