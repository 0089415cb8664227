// A profile's text without its comments, to tell a change of rules from a change of comments (counts, run names).
import { parseAllDocuments } from 'yaml';
import { stripComment } from '../diff/apparmor-parse.js';
import { detectKind } from '../validate/detect.js';
import { stableJson } from '../util/json.js';

function dropCommentKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropCommentKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'comment')
        .map(([k, v]) => [k, dropCommentKeys(v)]),
    );
  }
  return value;
}

function apparmorWithoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => (/^\s*#include\s/.test(line) ? line.trim() : stripComment(line).trim()))
    .filter((line) => line !== '')
    .join('\n');
}

/**
 * The text with comments removed and the rest in a canonical form: seccomp JSON without "comment" members, YAML as its
 * data, AppArmor without comments or blank lines. Undefined when the kind is not recognised or the text does not parse.
 */
export function withoutComments(text: string, fileName: string): string | undefined {
  try {
    switch (detectKind(text, fileName)) {
      case 'seccomp-docker':
      case 'seccomp-oci':
      case 'oci-config':
        return stableJson(dropCommentKeys(JSON.parse(text)));
      case 'k8s': {
        const docs = parseAllDocuments(text);
        if (docs.some((d) => d.errors.length > 0)) return undefined;
        return stableJson(docs.map((d) => d.toJS()));
      }
      case 'apparmor':
        return apparmorWithoutComments(text);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** True when two profile texts differ in comments only. */
export function sameButComments(oldText: string, newText: string, fileName: string): boolean {
  const a = withoutComments(oldText, fileName);
  return a !== undefined && a === withoutComments(newText, fileName);
}
