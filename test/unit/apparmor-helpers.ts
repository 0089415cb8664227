// Shared pieces of the AppArmor check tests: reading a profile with in-memory includes or the system's, checking
// recordings against it in process.
import fs from 'node:fs';
import { fileIncludeReader } from '../../src/cli/apparmor-includes.js';
import { readPolicy, type AaPolicy, type IncludeReader } from '../../src/apparmor/policy.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { checkAppArmor } from '../../src/verify/apparmor-check.js';
import type { AppArmorVerifyReport } from '../../src/verify/apparmor-types.js';

/** Whether the standard includes (Debian's apparmor package) are on this machine. */
export const SYSTEM_INCLUDES = fs.existsSync('/etc/apparmor.d/tunables/global');
if (!SYSTEM_INCLUDES)
  console.warn(
    'skipped: checks of generated profiles: /etc/apparmor.d/tunables/global missing (Debian package "apparmor")',
  );

/** Includes from a map of magic paths to texts; a missing one is reported missing. */
export function memoryIncludes(files: Record<string, string>): IncludeReader {
  return (ref) => {
    const text = files[ref.ref];
    return text === undefined ? { missing: `no test include ${ref.ref}` } : { files: [{ file: ref.ref, text }] };
  };
}

/** Includes from /etc/apparmor.d. */
export const systemIncludes: IncludeReader = fileIncludeReader(['/etc/apparmor.d'], process.cwd(), '');

/** A policy from text. */
export function policy(text: string, includes: IncludeReader = memoryIncludes({}), file = 'test.apparmor'): AaPolicy {
  return readPolicy(text, file, includes);
}

/** Check recordings (files or values) against profile text. */
export function check(
  text: string,
  recordings: Array<string | Recording>,
  includes: IncludeReader = systemIncludes,
): AppArmorVerifyReport {
  return checkAppArmor(
    policy(text, includes, 'profile.apparmor'),
    'profile.apparmor',
    recordings.map((r, i) =>
      typeof r === 'string' ? { label: r, recording: readRecording(r) } : { label: `rec${i}.json`, recording: r },
    ),
  );
}

/** The denials in short form: kind, mode, subject, condition. */
export function short(report: AppArmorVerifyReport): string[] {
  return report.denials.map(
    (d) => `${d.kind} ${d.mode} ${d.subject}${d.condition === 'denied' ? '' : ` (${d.condition})`}`,
  );
}
