// From file text to a comparable model: recognise the kind from the content, check both sides are of one family, parse.
import { badInput } from '../errors.js';
import { parseRecording } from '../recording/io.js';
import type { Recording } from '../recording/types.js';
import { detectKind } from '../validate/detect.js';
import { parseJsonText } from '../validate/json-text.js';
import type { FileKind } from '../validate/types.js';
import { parseAppArmor, type AppArmorModel } from './apparmor-parse.js';
import { k8sModel, type K8sModel } from './k8s-model.js';
import { seccompView, type SeccompView } from './seccomp-view.js';
import type { PolicyFamily } from './types.js';

/** A parsed file of one family. */
export type ParsedPolicy =
  | { family: 'seccomp'; kind: FileKind; model: SeccompView }
  | { family: 'apparmor'; kind: FileKind; model: AppArmorModel }
  | { family: 'k8s'; kind: FileKind; model: K8sModel }
  | { family: 'recording'; kind: FileKind; model: Recording };

/** Human names of file kinds, for messages. */
export const KIND_NAMES: Readonly<Record<FileKind, string>> = {
  recording: 'tracewall recording',
  'seccomp-docker': 'seccomp profile, Docker format',
  'seccomp-oci': 'seccomp profile, OCI format',
  'oci-config': 'OCI config.json (its linux.seccomp is compared)',
  apparmor: 'AppArmor profile',
  k8s: 'Kubernetes YAML',
  unknown: 'unknown',
};

/** The family a kind is diffed in, or undefined when it cannot be diffed. */
export function familyOf(kind: FileKind): PolicyFamily | undefined {
  switch (kind) {
    case 'seccomp-docker':
    case 'seccomp-oci':
    case 'oci-config':
      return 'seccomp';
    case 'apparmor':
      return 'apparmor';
    case 'k8s':
      return 'k8s';
    case 'recording':
      return 'recording';
    case 'unknown':
      return undefined;
  }
}

/** The family of a recognised kind; an exit-2 error naming the file when it is not one diff compares. */
export function requireFamily(kind: FileKind, label: string): PolicyFamily {
  const family = familyOf(kind);
  if (!family) {
    throw badInput(
      `${label}: cannot tell what this file is; diff compares tracewall recordings, seccomp profiles (Docker or OCI format, or an OCI config.json), AppArmor profiles and Kubernetes YAML`,
    );
  }
  return family;
}

/** An exit-2 error unless both kinds belong to one family; the message names both files and kinds. */
export function requireSameFamily(
  oldLabel: string,
  oldKind: FileKind,
  newLabel: string,
  newKind: FileKind,
): PolicyFamily {
  const a = requireFamily(oldKind, oldLabel);
  const b = requireFamily(newKind, newLabel);
  if (a !== b) {
    throw badInput(
      `cannot diff ${oldLabel} (${oldKind}: ${KIND_NAMES[oldKind]}) against ${newLabel} (${newKind}: ${KIND_NAMES[newKind]}): both files must be of the same kind (two seccomp profiles, two AppArmor profiles, two Kubernetes YAML files or two recordings)`,
    );
  }
  return a;
}

function json(text: string, label: string): unknown {
  const parsed = parseJsonText(text);
  if (!parsed.ok)
    throw badInput(`${label}: ${parsed.finding.message}${parsed.finding.where ? ` (${parsed.finding.where})` : ''}`);
  return parsed.value;
}

/** An exit-2 error naming the line and column when text that starts like JSON does not parse (before guessing its kind). */
export function rejectBrokenJson(text: string, label: string): void {
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '{' || first === '[') json(text, label);
}

/** Parse text already recognised as `kind` into its family's model. */
export function parsePolicy(text: string, kind: FileKind, label: string): ParsedPolicy {
  const family = requireFamily(kind, label);
  switch (family) {
    case 'seccomp':
      return { family, kind, model: seccompView(json(text, label), label) };
    case 'apparmor':
      return { family, kind, model: parseAppArmor(text) };
    case 'k8s':
      return { family, kind, model: k8sModel(text, label) };
    case 'recording':
      return { family, kind, model: parseRecording(json(text, label), label) };
  }
}

/** Recognise a file's kind from its text (the label breaks ties, as in validate). */
export function kindOfText(text: string, label: string): FileKind {
  return detectKind(text, label);
}
