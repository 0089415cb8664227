// A security-profiles-operator SeccompProfile's spec as seccomp JSON, so that check can rate its changes like any seccomp profile.
import { parseDocument } from 'yaml';

/** The spec of a SeccompProfile resource as JSON text, or undefined when the text is not one. */
export function spoSpecAsJson(text: string): string | undefined {
  try {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) return undefined;
    const value = doc.toJS() as { kind?: unknown; spec?: unknown } | null;
    if (!value || value.kind !== 'SeccompProfile' || value.spec === null || typeof value.spec !== 'object')
      return undefined;
    return JSON.stringify(value.spec, null, 2) + '\n';
  } catch {
    return undefined;
  }
}
