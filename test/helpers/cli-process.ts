// A command run in the background by a test: the built tracewall (or another program) started in a process group of its
// own, its output collected, waited on for a line, and stopped by a signal, its whole group killed if it does not end.
// Whatever a test file started and left running (a failed test) is killed after the file's tests (afterAll below).
import { afterAll } from 'vitest';
import { execa, type Result, type ResultPromise } from 'execa';
import { BIN } from '../e2e/helpers.js';

/** How a background command is started. */
export interface StartOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Collect stdout too, interleaved with stderr (the default collects stderr alone). */
  all?: boolean;
}

/** What the command gave once it ended. */
export type Ended = Result<{ reject: false; stripFinalNewline: false; all: boolean }>;

const poll = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One command running in the background (see startCli/startProcess). */
export class CliProcess {
  readonly proc: ResultPromise;
  private collected = '';
  private ended = false;

  constructor(
    private readonly name: string,
    file: string,
    args: string[],
    opts: StartOptions,
  ) {
    this.proc = execa(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      all: opts.all ?? false,
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
      // a group of its own, so that stop() can end it with what it started; stopped by the test, not by execa
      detached: true,
      forceKillAfterDelay: false,
    });
    const source = opts.all ? this.proc.all : this.proc.stderr;
    source?.on('data', (d: Buffer) => {
      this.collected += d.toString();
    });
    const done = () => {
      this.ended = true;
      live.delete(this);
    };
    this.proc.then(done, done);
    live.add(this);
  }

  /** Its pid (the leader of its process group). */
  get pid(): number {
    return this.proc.pid!;
  }

  /** What it wrote so far: stderr, or stdout and stderr interleaved when started with `all`. */
  output(): string {
    return this.collected;
  }

  /**
   * Wait until its output matches `re`; fails after timeoutMs, or as soon as it ends without having written it, with
   * its output so far in the message.
   */
  async waitFor(re: RegExp, timeoutMs: number, what = `${re}`): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.collected);
      if (m) return m;
      if (this.ended) {
        const r = await this.proc;
        throw new Error(`${this.name} ended (${endedHow(r)}) before ${what}; its output:\n${this.collected}`);
      }
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what} from ${this.name}; its output so far:\n${this.collected}`,
        );
      await poll(25);
    }
  }

  /** Wait for it to end by itself; after timeoutMs its process group is killed and this fails, with its output. */
  async exited(timeoutMs: number, after = ''): Promise<Ended> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), timeoutMs);
    });
    const r = await Promise.race([this.proc, late]).finally(() => clearTimeout(timer));
    if (r !== 'late') return r as Ended;
    await this.kill();
    throw new Error(
      `${this.name} did not end within ${timeoutMs} ms${after}; its process group was killed; its output:\n${this.collected}`,
    );
  }

  /** Send it `signal` (it alone, as Ctrl-C or `kill` would) and wait for it to end, as `exited` does. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<Ended> {
    if (!this.ended) this.proc.kill(signal);
    return this.exited(timeoutMs, ` of ${signal}`);
  }

  /**
   * Kill its whole process group, if it still runs, and wait for it (for cleanup): at once, or after `graceMs` of a
   * SIGTERM to it alone (time to stop what it started outside its group, as tracers are).
   */
  async kill(graceMs = 0): Promise<void> {
    if (this.ended) return;
    if (graceMs > 0) {
      this.proc.kill('SIGTERM');
      const deadline = Date.now() + graceMs;
      while (!this.ended && Date.now() < deadline) await poll(50);
      if (this.ended) return;
    }
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    await this.proc;
  }
}

function endedHow(r: Result): string {
  return r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
}

const live = new Set<CliProcess>();

// The file's last word: nothing it started outlives it, whatever failed (SIGTERM first, as Ctrl-C would).
afterAll(async () => {
  await Promise.all([...live].map((p) => p.kill(10_000)));
}, 30_000);

/** `tracewall ARGS` (the built CLI, bin/tracewall) in the background. */
export function startCli(args: string[], opts: StartOptions = {}): CliProcess {
  return new CliProcess(`tracewall ${args[0] ?? ''}`.trim(), process.execPath, [BIN, ...args], opts);
}

/** Another program in the background (`name` names it in messages). */
export function startProcess(name: string, file: string, args: string[], opts: StartOptions = {}): CliProcess {
  return new CliProcess(name, file, args, opts);
}
