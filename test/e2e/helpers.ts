// Running the built tracewall binary in end-to-end tests.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { fromRoot } from '../../src/util/paths.js';

/** The CLI entry (needs `npm run build`; npm test builds first). */
export const BIN = fromRoot('bin', 'tracewall');

/** Why the built CLI cannot run, or undefined. Printed when a test skips for it. */
export function needBuild(): string | undefined {
  return fs.existsSync(fromRoot('dist', 'cli', 'main.js'))
    ? undefined
    : 'dist/ is missing: run `npm run build` (npm test does)';
}

/** Run tracewall to its end; never throws on a non-zero exit. */
export async function tracewall(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}) {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 120_000,
    stdin: 'ignore',
    stripFinalNewline: false,
  });
  return { exitCode: r.exitCode ?? null, signal: r.signal ?? null, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The three files `generate -o DIR --name NAME` writes. */
export function profilePaths(dir: string, name: string) {
  return {
    seccomp: path.join(dir, `${name}.seccomp.json`),
    apparmor: path.join(dir, `${name}.apparmor`),
    k8s: path.join(dir, `${name}.k8s.yaml`),
  };
}
