// Reading the profile to verify: it must be a seccomp profile (Docker format or plain OCI) that passes `tracewall validate`.
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { validateFile } from '../validate/index.js';

/** A checked seccomp profile as written in its file. */
export interface LoadedProfile {
  file: string;
  format: 'docker' | 'oci';
  profile: Record<string, unknown>;
  /** Validation warnings, passed on to the report. */
  warnings: string[];
}

/** Validate and read FILE; a file that is not a valid seccomp profile is bad input (exit 2) with the findings quoted. */
export async function loadProfile(file: string): Promise<LoadedProfile> {
  const result = await validateFile(file);
  const errors = result.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((f) => `  ${f.message}${f.where ? ` (${f.where})` : ''}`);
    if (errors.length > 10) lines.push(`  ... and ${errors.length - 10} more (run tracewall validate ${file})`);
    throw badInput(`${file} is not a usable seccomp profile:\n${lines.join('\n')}`);
  }
  if (result.kind !== 'seccomp-docker' && result.kind !== 'seccomp-oci') {
    throw badInput(
      `${file}: expected a seccomp profile (Docker format or OCI linux.seccomp), found ${result.kind === 'unknown' ? 'something else' : `a ${result.kind} file`}`,
    );
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as Record<string, unknown>;
  const warnings = result.findings
    .filter((f) => f.severity === 'warning')
    .map((f) => `${file}: ${f.message}${f.where ? ` (${f.where})` : ''}`);
  return { file, format: result.kind === 'seccomp-docker' ? 'docker' : 'oci', profile, warnings };
}
