// Reading and writing Recording files: schema-checked with ajv both ways, deterministic bytes, versions named on refusal.
import fs from 'node:fs';
import type { ValidateFunction, ErrorObject } from 'ajv';
import { badInput } from '../errors.js';
import { stableJson } from '../util/json.js';
import { fsErrorText } from '../util/fs-error.js';
import { writeFileAtomic } from '../util/atomic.js';
import { parseJsonText } from '../validate/json-text.js';
import { detectKind, kindOfJson } from '../validate/detect.js';
import type { FileKind } from '../validate/types.js';
import { normalizeRecording } from './normalize.js';
import { provenanceProblems } from './provenance-check.js';
import { RECORDING_SCHEMA_VERSION, type Recording } from './types.js';

import { validate as generatedValidator } from './recording-validator.generated.js';

/** The schema's validator, compiled ahead of time (scripts/gen-recording-validator.mjs; a test keeps it current). */
function recordingValidator(): ValidateFunction {
  return generatedValidator as unknown as ValidateFunction;
}

/** ajv errors as "at /path: message" lines. */
export function describeAjvErrors(errors: ErrorObject[] | null | undefined, limit = 5): string {
  const list = (errors ?? [])
    .slice(0, limit)
    .map(
      (e) =>
        `at ${e.instancePath || '/'}: ${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`,
    );
  const more = (errors?.length ?? 0) > limit ? `; and ${(errors?.length ?? 0) - limit} more` : '';
  return list.join('; ') + more;
}

/**
 * Check a value against the Recording schema only (not the provenance rules that relate its sections): for a part of a
 * recording written in pieces (merge), whose other parts are checked as they are made.
 */
export function checkRecordingSchema(value: Recording, where: string): void {
  const validate = recordingValidator();
  if (!validate(value)) throw badInput(`${where}: invalid recording: ${describeAjvErrors(validate.errors)}`);
}

/** Check a parsed value is a v1 Recording; `where` names the source in messages. */
export function parseRecording(value: unknown, where: string): Recording {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badInput(
      `${where}: not a tracewall recording (expected a JSON object with "schemaVersion": ${RECORDING_SCHEMA_VERSION})`,
    );
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version !== RECORDING_SCHEMA_VERSION) {
    throw badInput(
      `${where}: recording schemaVersion ${JSON.stringify(version ?? null)} is not supported; this tracewall reads schemaVersion ${RECORDING_SCHEMA_VERSION}`,
    );
  }
  const validate = recordingValidator();
  if (!validate(value)) {
    throw badInput(`${where}: invalid recording: ${describeAjvErrors(validate.errors)}`);
  }
  const problems = provenanceProblems(value as Recording);
  if (problems.length > 0) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw badInput(`${where}: invalid recording: ${problems.slice(0, 5).join('; ')}${more}`);
  }
  return value as Recording;
}

/** The bytes of a recording: normalized, sorted keys; refuses to serialise an invalid recording. */
export function serializeRecording(r: Recording): string {
  const norm = normalizeRecording(r);
  const text = stableJson(norm);
  parseRecording(JSON.parse(text), 'recording being written');
  return text;
}

/** What the other kinds of file tracewall knows are, in words. */
const OTHER_KINDS: Partial<Record<FileKind, string>> = {
  'seccomp-docker': 'a seccomp profile (Docker format)',
  'seccomp-oci': 'a seccomp profile (OCI format)',
  'oci-config': "an OCI bundle's config.json",
  apparmor: 'an AppArmor profile',
  k8s: 'Kubernetes YAML',
};

/** The kind of file a readRecording error found instead of a recording (a profile, YAML...), if that was the error. */
export function notRecordingKind(err: unknown): FileKind | undefined {
  const cause = (err as { cause?: { notRecording?: FileKind } } | null)?.cause;
  return cause?.notRecording;
}

/** Read a recording file; bad JSON, bad shape and wrong versions are exit-2 errors naming the file. */
export function readRecording(file: string): Recording {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read recording: ${fsErrorText(err)}`, err);
  }
  // A syntax error is reported with its line and column (JSON.parse's own message gives at most an offset). The text is
  // parsed once: what the JSON's members say it is is what detectKind would say, which is asked only otherwise.
  const parsed = parseJsonText(text);
  const known = parsed.ok ? kindOfJson(parsed.value) : 'unknown';
  const kind = known !== 'unknown' ? known : detectKind(text, file);
  const other = OTHER_KINDS[kind];
  if (other !== undefined) throw badInput(`${file}: that is ${other}, not a recording`, { notRecording: kind });
  if (!parsed.ok)
    throw badInput(`${file}: ${parsed.finding.message}${parsed.finding.where ? ` (${parsed.finding.where})` : ''}`);
  return parseRecording(parsed.value, file);
}

/** Write a recording atomically. */
export function writeRecording(file: string, r: Recording): void {
  writeFileAtomic(file, serializeRecording(r));
}
