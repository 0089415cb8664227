// Shared helpers of the hardening tests: running the built CLI, printed skip reasons, process-tree checks, file
// snapshots, a bounded pool, fast-check seeds, and what apparmor_parser's DFA must look like for a literal path.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fromRoot } from '../../src/util/paths.js';

/** The repository root. */
export const ROOT = fromRoot();
/** The command-line entry (runs dist/cli/main.js). */
export const BIN = fromRoot('bin', 'tracewall');
/** The test fixtures. */
export const FIXTURES = fromRoot('test', 'fixtures');

const announced = new Set<string>();

/** Print a skip reason once (never skip silently); returns the reason so it can feed `it.skipIf`. */
export function announce(reason: string | undefined): string | undefined {
  if (reason && !announced.has(reason)) {
    announced.add(reason);
    console.warn(`skipped: ${reason}`);
  }
  return reason;
}

/** The first reason that applies (printed), or undefined when none does. */
export function skipUnless(...checks: Array<[boolean, string]>): string | undefined {
  for (const [ok, why] of checks) if (!ok) return announce(why);
  return undefined;
}

/** Full path of a program on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why the built CLI cannot run (dist/ missing), or undefined. `npm test` builds it first. */
export const NO_DIST = fs.existsSync(fromRoot('dist', 'cli', 'main.js'))
  ? undefined
  : 'dist/ is missing: run `npm run build` (npm test does) before the hardening tests';
/** True when running as root. */
export const IS_ROOT = process.getuid?.() === 0;
/** True on Linux with /proc. */
export const HAS_PROC = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

/** apparmor_parser's path, or undefined. */
export const APPARMOR_PARSER = ['/usr/sbin/apparmor_parser', '/sbin/apparmor_parser', '/usr/bin/apparmor_parser'].find(
  (p) => fs.existsSync(p),
);

/** What a finished CLI run gave. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Options of runCli/spawnCli. */
export interface CliOptions {
  cwd?: string;
  /** Replaces the environment entirely when `replaceEnv` is set, else extends process.env. */
  env?: NodeJS.ProcessEnv;
  replaceEnv?: boolean;
  timeoutMs?: number;
}

function envFor(opts: CliOptions): NodeJS.ProcessEnv {
  const base = opts.replaceEnv ? {} : { ...process.env };
  return { ...base, ...opts.env, NO_COLOR: '1' };
}

/** Start `tracewall ARGS` (node bin/tracewall, not through PATH) with piped output. */
export function spawnCli(args: string[], opts: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: envFor(opts),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Wait for a spawned CLI to end; kills it (and fails the result) after timeoutMs. */
export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  const t0 = Date.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracewall did not finish within ${timeoutMs} ms; stderr so far:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Run `tracewall ARGS` to its end. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, opts), opts.timeoutMs ?? 60_000);
}

/** stderr lines that are tracewall's own messages (not the workload's output). */
export function messageLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('tracewall: '));
}

/** A fresh temporary directory under os.tmpdir() (remove with rmrf). */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tracewall-hardening-${prefix}-`));
}

/** Remove a directory tree, ignoring what is already gone. */
export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A file's bytes and modification time, to prove later that nothing touched it. */
export interface FileSnapshot {
  file: string;
  bytes: Buffer;
  mtimeMs: number;
  ino: number;
}

/** Snapshot a file. */
export function snapshot(file: string): FileSnapshot {
  const st = fs.statSync(file);
  return { file, bytes: fs.readFileSync(file), mtimeMs: st.mtimeMs, ino: st.ino };
}

/** True when the file still has the snapshot's bytes, mtime and inode (a rename over it would change the inode). */
export function unchanged(s: FileSnapshot): boolean {
  try {
    const st = fs.statSync(s.file);
    return st.mtimeMs === s.mtimeMs && st.ino === s.ino && fs.readFileSync(s.file).equals(s.bytes);
  } catch {
    return false;
  }
}

/** Names in `dir` that look like tracewall's temporary output files (".NAME.tmp-PID-RANDOM"). */
export function tempLeftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => /\.tmp-\d+-/.test(n));
}

/** Pids of live processes whose command line contains `marker` (zombies have an empty one). */
export function pidsWithMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(marker)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Children of `pid` whose command name (comm) is `comm`. */
export function childrenNamed(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (stat.slice(open + 1, close) === comm && Number(fields[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Poll `probe` every 50 ms until it returns a value other than undefined/false, or fail after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Wait until no live process carries `marker` (gives zombies a moment to be reaped); returns what is still alive. */
export async function survivors(marker: string, graceMs = 2000): Promise<number[]> {
  const t0 = Date.now();
  let left = pidsWithMarker(marker);
  while (left.length > 0 && Date.now() - t0 < graceMs) {
    await new Promise((r) => setTimeout(r, 50));
    left = pidsWithMarker(marker);
  }
  return left;
}

/** Kill whatever a failed test left behind (only pids carrying this test's unique marker). */
export function killMarked(marker: string): void {
  for (const pid of pidsWithMarker(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** A marker unique to this test process and call, usable in argv and as a `sleep` duration ("0.05" + digits). */
export function uniqueMarker(): string {
  return `0.05${String(process.pid).padStart(7, '0')}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
}

/** Run `fn` over `items` with at most `limit` at a time; results in input order. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let running = 0;
  let peak = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      running++;
      peak = Math.max(peak, running);
      try {
        out[i] = await fn(items[i]!, i);
      } finally {
        running--;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (peak > limit) throw new Error(`pool ran ${peak} at once, more than ${limit}`);
  return out;
}

/** The fast-check seed: FC_SEED from the environment, else a fixed one; printed so that a failure can be reproduced. */
export function fcSeed(label: string): number {
  const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20240611;
  console.log(`${label}: fast-check seed ${seed} (reproduce with FC_SEED=${seed})`);
  return seed;
}

/** Compile a C program with gcc (static, so the trace holds no dynamic-loader noise); undefined when gcc cannot. */
export function compileC(source: string, out: string): string | undefined {
  const src = `${out}.c`;
  fs.writeFileSync(src, source);
  let r = spawnSync('gcc', ['-static', '-O1', '-o', out, src], { encoding: 'utf8' });
  if (r.status !== 0) r = spawnSync('gcc', ['-O1', '-o', out, src], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `gcc failed: ${r.stderr}`;
}

/** A byte string cut into UTF-8 characters (valid) and single bytes that are not part of valid UTF-8. */
function utf8Units(bytes: Uint8Array): Array<{ bytes: Buffer; valid: boolean }> {
  const buf = Buffer.from(bytes);
  const out: Array<{ bytes: Buffer; valid: boolean }> = [];
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    const seq = n > 0 && i + n <= buf.length ? buf.subarray(i, i + n) : undefined;
    if (seq && isUtf8(seq)) {
      out.push({ bytes: seq, valid: true });
      i += n;
    } else {
      out.push({ bytes: buf.subarray(i, i + 1), valid: false });
      i += 1;
    }
  }
  return out;
}

/**
 * The bytes apparmor_parser's DFA must accept for a literal path: each byte of valid UTF-8 as itself, and each byte
 * that is not part of valid UTF-8 (and NUL) as `null`, one "any byte but /" step (tracewall widens it to `?`).
 */
export function expectedChain(bytes: Uint8Array): Array<number | null> {
  return utf8Units(bytes).flatMap((u) => (u.valid && u.bytes[0] !== 0 ? [...u.bytes] : [null]));
}

/** The text tracewall's strace decoder makes of a byte string: each byte that is not valid UTF-8 as one U+FFFD. */
export function decodedText(bytes: Uint8Array): string {
  return utf8Units(bytes)
    .map((u) => (u.valid ? u.bytes.toString('utf8') : '\uFFFD'))
    .join('');
}

/** One quoted path token (`"..."`) of a rule line of a generated AppArmor profile. */
export function ruleToken(line: string): string | undefined {
  return /^\s*(?:deny\s+|audit\s+)?("[^"]*")\s/.exec(line)?.[1];
}
