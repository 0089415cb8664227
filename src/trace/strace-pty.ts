// Running a program in a pseudo-terminal (node-pty) for workloads that need a terminal; tracewall's terminal is passed through.
import os from 'node:os';
import pty from 'node-pty';

/** How a pty-run program ended, and what it printed when output is captured. */
export interface PtyResult {
  exitCode: number | null;
  signal: string | null;
  output: string;
}

function signalName(n: number | undefined): string | null {
  if (!n) return null;
  for (const [name, num] of Object.entries(os.constants.signals)) if (num === n) return name;
  return `SIG${n}`;
}

/** Run `file args` in a new pty. With stdio 'inherit', tracewall's stdin (raw) and stdout are connected to it. */
export function runInPty(
  file: string,
  args: string[],
  opts: { cwd?: string; env: Record<string, string>; stdio: 'inherit' | 'pipe'; onSpawn?: (pid: number) => void },
): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    let term: pty.IPty;
    try {
      term = pty.spawn(file, args, {
        name: opts.env.TERM ?? 'xterm-256color',
        cols: process.stdout.columns || 80,
        rows: process.stdout.rows || 24,
        cwd: opts.cwd ?? process.cwd(),
        env: opts.env,
      });
    } catch (err) {
      reject(err);
      return;
    }
    opts.onSpawn?.(term.pid);
    let output = '';
    const inherit = opts.stdio === 'inherit';
    const dataSub = term.onData((d) => {
      if (inherit) process.stdout.write(d);
      else output += d;
    });
    const stdin = process.stdin;
    const raw = inherit && stdin.isTTY === true;
    const onInput = (d: Buffer): void => term.write(d.toString('utf8'));
    const onResize = (): void => term.resize(process.stdout.columns || 80, process.stdout.rows || 24);
    if (inherit) {
      if (raw) stdin.setRawMode(true);
      stdin.on('data', onInput);
      stdin.resume();
      process.stdout.on('resize', onResize);
    }
    term.onExit(({ exitCode, signal }) => {
      // Let the last output arrive before closing.
      setTimeout(() => {
        dataSub.dispose();
        if (inherit) {
          stdin.off('data', onInput);
          if (raw) stdin.setRawMode(false);
          stdin.pause();
          process.stdout.off('resize', onResize);
        }
        const sig = signalName(signal);
        resolve({ exitCode: sig ? null : exitCode, signal: sig, output });
      }, 50);
    });
  });
}
