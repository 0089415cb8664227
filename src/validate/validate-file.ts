// Validating one file: read it, recognise it, run the checks for its kind.
import fs from 'node:fs/promises';
import { validateApparmorFile, type ApparmorOptions } from './apparmor.js';
import { detectKind } from './detect.js';
import { parseJsonText } from './json-text.js';
import { validateK8sText } from './k8s.js';
import { validateOciConfig } from './oci-config.js';
import { validateRecordingValue } from './recording.js';
import { validateSeccomp } from './seccomp.js';
import { finding, type Finding, type FileKind, type ValidationResult } from './types.js';
import { fsErrorText } from '../util/fs-error.js';

/** Options for validateFile; `apparmor` is passed to the AppArmor check. */
export interface ValidateOptions {
  apparmor?: ApparmorOptions;
}

function jsonChecks(text: string, check: (value: unknown) => Finding[]): Finding[] {
  const parsed = parseJsonText(text);
  return parsed.ok ? check(parsed.value) : [parsed.finding];
}

async function checksFor(kind: FileKind, file: string, text: string, options: ValidateOptions): Promise<Finding[]> {
  switch (kind) {
    case 'recording':
      return jsonChecks(text, (v) => validateRecordingValue(v, file));
    case 'seccomp-docker':
    case 'seccomp-oci':
      return jsonChecks(text, (v) => validateSeccomp(v, ''));
    case 'oci-config':
      return jsonChecks(text, validateOciConfig);
    case 'apparmor':
      return validateApparmorFile(file, options.apparmor);
    case 'k8s':
      return validateK8sText(text);
    case 'unknown': {
      const first = text.trimStart()[0];
      if (first === '{' || first === '[') {
        const parsed = parseJsonText(text);
        if (!parsed.ok) return [parsed.finding];
      }
      return [
        finding(
          'error',
          'cannot tell what this file is: expected a tracewall recording, a seccomp profile (Docker or OCI format), an OCI config.json, an AppArmor profile or Kubernetes YAML',
        ),
      ];
    }
  }
}

/** Validate one file: recognise its kind from its content and collect findings; never throws for bad input. */
export async function validateFile(file: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return { file, kind: 'unknown', findings: [finding('error', `cannot read file: ${fsErrorText(err)}`)] };
  }
  const kind = detectKind(text, file);
  return { file, kind, findings: await checksFor(kind, file, text, options) };
}

/** Validate several files in order. */
export async function validateFiles(
  files: readonly string[],
  options: ValidateOptions = {},
): Promise<ValidationResult[]> {
  const out: ValidationResult[] = [];
  for (const f of files) out.push(await validateFile(f, options));
  return out;
}
