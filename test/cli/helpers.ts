// Running the built command line (bin/tracewall) the way users do: plain, through a shell pipeline, and with its
// stdout or stderr closed before it writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fromRoot } from '../../src/util/paths.js';

/** The command-line entry (runs dist/cli/main.js). */
export const BIN = fromRoot('bin', 'tracewall');
/** The repository root. */
export const ROOT = fromRoot();

/** Why the built CLI cannot run, printed once; undefined when dist/ is there. */
export const NOT_BUILT = fs.existsSync(fromRoot('dist', 'cli', 'main.js'))
  ? undefined
  : 'dist/ is missing: run `npm run build` (npm test does) before the CLI tests';
if (NOT_BUILT) console.warn(`skipped: ${NOT_BUILT}`);

/** What a finished run gave. */
export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for runs: no colour unless a test asks, no CI detection surprises. */
function envWith(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(extra)) if (extra[k] === undefined) delete env[k];
  return env;
}

/** Run `tracewall ARGS` to its end. */
export function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: envWith({ NO_COLOR: '1', ...opts.env }),
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? '',
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Quote one word for sh. */
export function shq(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `tracewall ARGS | head -1` in bash: what head printed, and tracewall's own exit status and stderr. */
export function pipedToHead(args: string[], opts: { stderrToo?: boolean } = {}): Run {
  const errFile = path.join(os.tmpdir(), `tracewall-cli-${process.pid}-${Math.random().toString(36).slice(2)}.err`);
  const cmd = `${shq(process.execPath)} ${shq(BIN)} ${args.map(shq).join(' ')}`;
  const redirect = opts.stderrToo ? '2>&1' : `2>${shq(errFile)}`;
  const script = `${cmd} ${redirect} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: ROOT, env: envWith({ NO_COLOR: '1' }) });
  const m = /status=(\d+)/.exec(r.stderr);
  let stderr = '';
  try {
    stderr = fs.readFileSync(errFile, 'utf8');
    fs.rmSync(errFile);
  } catch {
    // 2>&1: nothing separate
  }
  return { status: m ? Number(m[1]) : null, signal: null, stdout: r.stdout, stderr };
}

/**
 * Run `tracewall ARGS` with its stdout (or stderr) a pipe whose reading end is closed before tracewall starts, so
 * that its first write fails with EPIPE, every time.
 */
export function withClosed(
  which: 'stdout' | 'stderr',
  args: string[],
  timeoutMs = 120_000,
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: envWith({ NO_COLOR: '1', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const open = which === 'stdout' ? child.stderr : child.stdout;
    (which === 'stdout' ? child.stdout : child.stderr).destroy();
    let text = '';
    open.setEncoding('utf8').on('data', (d: string) => (text += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracewall ${args.join(' ')} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: which === 'stderr' ? text : '',
        stderr: which === 'stdout' ? text : '',
      });
    });
  });
}

/** A fresh temporary directory; remove it with `fs.rmSync(dir, { recursive: true, force: true })`. */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tracewall-cli-${label}-`));
}

/** Run `tracewall ARGS` with a module.register load hook (`load`, the body of an exported async function). */
function withLoadHook(dir: string, load: string, args: string[]): Run {
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import fs from 'node:fs';\nexport async function load(url, context, next) {\n${load}\n}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${path.join(dir, 'hooks.mjs')}`)});\n`,
  );
  const r = spawnSync(process.execPath, ['--import', path.join(dir, 'register.mjs'), BIN, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: envWith({ NO_COLOR: '1' }),
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The modules under dist/ that `tracewall ARGS` loads, relative to dist/. */
export function loadedModules(args: string[]): { run: Run; modules: string[] } {
  const dir = tempDir('hooks');
  try {
    const log = path.join(dir, 'loaded.txt');
    const run = withLoadHook(
      dir,
      `fs.appendFileSync(${JSON.stringify(log)}, url + '\\n');\nreturn next(url, context);`,
      args,
    );
    const dist = `file://${fromRoot('dist')}/`;
    const modules = fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .filter((u) => u.startsWith(dist))
          .map((u) => u.slice(dist.length))
      : [];
    return { run, modules };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run `tracewall ARGS` with one module under dist/ replaced by `source`: how a test makes a verb fail the way a bug
 * would, to see what the command line does with it.
 */
export function withModule(distPath: string, source: string, args: string[]): Run {
  const dir = tempDir('override');
  try {
    const target = `file://${fromRoot('dist', distPath)}`;
    const load = `if (url === ${JSON.stringify(target)}) return { format: 'module', source: ${JSON.stringify(source)}, shortCircuit: true };\nreturn next(url, context);`;
    return withLoadHook(dir, load, args);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Temporary directories for one test file: `scratch(label)` makes one, `removeAll` (for afterAll) removes them. */
export function scratchDirs(): { scratch: (label: string) => string; removeAll: () => void } {
  const dirs: string[] = [];
  return {
    scratch: (label) => {
      const d = tempDir(label);
      dirs.push(d);
      return d;
    },
    removeAll: () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })),
  };
}

/** Write a seccomp profile (Docker format): EPERM by default, `allowed` allowed, every x86 ABI listed. */
export function writeSeccomp(file: string, allowed: readonly string[]): string {
  fs.writeFileSync(
    file,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [{ names: [...allowed], action: 'SCMP_ACT_ALLOW' }],
    }),
  );
  return file;
}
