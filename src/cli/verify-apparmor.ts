// `tracewall verify --apparmor PROFILE RECORDING...`: check every access of the recordings against the profile with
// AppArmor's rules, without loading it (most CI kernels, and this machine's, have no AppArmor). Exit 1 when anything
// would be denied, 2 for a profile or recording that cannot be read.
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { PolicySyntaxError } from '../apparmor/lexer.js';
import { readPolicy } from '../apparmor/policy.js';
import { readRecording } from '../recording/io.js';
import { checkAppArmor } from '../verify/apparmor-check.js';
import { appArmorExitCode, formatAppArmorJson, formatAppArmorText } from '../verify/apparmor-format.js';
import { DEFAULT_INCLUDE_DIR, fileIncludeReader } from './apparmor-includes.js';
import { oneOf } from './options.js';

/** Options of the AppArmor mode of `verify`. */
export interface VerifyAppArmorOptions {
  json?: boolean;
  format?: string;
  includeDir?: string;
}

/** Recordings and the options written after them (commander passes everything after the first operand through). */
function operands(
  list: readonly string[],
  opts: VerifyAppArmorOptions,
): { recordings: string[]; opts: VerifyAppArmorOptions } {
  const out = { ...opts };
  const recordings: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = (): string => {
      const v = inline ?? list[++i];
      if (v === undefined) throw badInput(`${flag} needs a value`);
      return v;
    };
    if (a === '--') recordings.push(...list.slice(i + 1));
    if (a === '--') break;
    if (flag === '--json') out.json = true;
    else if (flag === '--format') out.format = value();
    else if (flag === '--include-dir') out.includeDir = value();
    else if (a.startsWith('-') && a !== '-') throw badInput(`verify --apparmor: unknown option ${JSON.stringify(a)}`);
    else recordings.push(a);
  }
  return { recordings, opts: out };
}

function readProfile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read AppArmor profile: ${(err as Error).message}`, err);
  }
}

/** Runs the AppArmor mode of the verb; resolves to 1 when anything would be denied, 0 otherwise. */
export async function verifyAppArmorCommand(
  profileFile: string,
  args: readonly string[],
  given: VerifyAppArmorOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const { recordings, opts } = operands(args, given);
  const format = opts.json ? 'json' : oneOf('--format', opts.format ?? 'text', ['text', 'json'] as const);
  if (recordings.length === 0)
    throw badInput('verify --apparmor PROFILE needs at least one RECORDING after the profile');
  const dir = opts.includeDir ?? DEFAULT_INCLUDE_DIR;
  const hint =
    opts.includeDir === undefined
      ? `the standard AppArmor includes come with Debian's apparmor package (apt-get install apparmor); or give --include-dir DIR`
      : `from --include-dir ${dir}`;
  let policy;
  try {
    policy = readPolicy(readProfile(profileFile), profileFile, fileIncludeReader([dir], process.cwd(), hint));
  } catch (err) {
    if (err instanceof PolicySyntaxError) throw badInput(err.message, err);
    throw err;
  }
  const report = checkAppArmor(
    policy,
    profileFile,
    recordings.map((file) => ({ label: file, recording: readRecording(file) })),
  );
  out(format === 'json' ? formatAppArmorJson(report) : formatAppArmorText(report));
  return appArmorExitCode(report);
}
