// Checking an AppArmor profile by compiling it with apparmor_parser -Q -K (parse and compile, never load, no cache).
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { finding, type Finding } from './types.js';

/** Options for the AppArmor check; `parser` replaces the search for apparmor_parser (a test seam). */
export interface ApparmorOptions {
  parser?: string;
  timeoutMs?: number;
}

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Where apparmor_parser is: on PATH or in the sbin directories a non-root PATH often lacks; undefined if nowhere. */
export function findApparmorParser(envPath: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...envPath.split(path.delimiter).filter(Boolean), ...SEARCH_DIRS]) {
    const candidate = path.join(dir, 'apparmor_parser');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const NOISE = [/^Cache read\/write disabled/, /^$/];
const ERROR_LINE = /^AppArmor parser error for (.+?)(?: in profile (.+?))?(?: at line (\d+))?: (.*)$/;

/** Findings from apparmor_parser's stderr: errors with their line (and included file, when the error is in one), warnings as warnings. */
export function parserFindings(stderr: string, file: string): Finding[] {
  const out: Finding[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (NOISE.some((re) => re.test(line))) continue;
    const m = ERROR_LINE.exec(line);
    if (m) {
      const inFile = m[2] !== undefined && path.resolve(m[2]) !== path.resolve(file) ? `${m[2]}, ` : '';
      out.push(
        finding(
          'error',
          `apparmor_parser: ${m[4] ?? line}`,
          m[3] ? `${inFile}line ${m[3]}` : inFile.replace(/, $/, '') || undefined,
        ),
      );
    } else if (/^warning/i.test(line)) {
      out.push(finding('warning', `apparmor_parser: ${line}`));
    } else {
      out.push(finding('info', `apparmor_parser: ${line}`));
    }
  }
  return out;
}

/** Compile an AppArmor profile file without loading it; a missing apparmor_parser is reported as "skipped", never as success. */
export async function validateApparmorFile(file: string, options: ApparmorOptions = {}): Promise<Finding[]> {
  const parser = options.parser ?? findApparmorParser();
  const missing = finding(
    'skipped',
    'AppArmor profile not compiled: apparmor_parser was not found (install the Debian package "apparmor": apt-get install apparmor)',
  );
  if (parser === undefined) return [missing];
  const result = await execa(parser, ['-Q', '-K', file], {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? 60_000,
  });
  if (result.code === 'ENOENT') return [missing];
  if (result.code === 'EACCES')
    return [finding('skipped', `AppArmor profile not compiled: ${parser} is not executable (EACCES)`)];
  if (result.timedOut)
    return [finding('error', `apparmor_parser did not finish within ${(options.timeoutMs ?? 60_000) / 1000} s`)];
  const found = parserFindings(String(result.stderr), file);
  if (result.exitCode === 0)
    return [...found, finding('info', 'compiled by apparmor_parser -Q -K (checked, not loaded into the kernel)')];
  if (!found.some((f) => f.severity === 'error')) {
    found.push(
      finding(
        'error',
        `apparmor_parser exited with ${result.exitCode ?? result.signal ?? 'an error'}${result.stderr ? '' : ' and printed nothing'}`,
      ),
    );
  }
  return found;
}
