// Turning ajv errors into findings that say what was wrong, the value found and what was expected.
import type { ErrorObject } from 'ajv';
import { closestMatch } from './closest.js';
import { finding, type Finding } from './types.js';

/** Escape one JSON-pointer segment. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A short rendering of a found value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const json = JSON.stringify(value);
  return `${typeof value} ${json.length > 60 ? json.slice(0, 57) + '...' : json}`;
}

function listAllowed(values: unknown[]): string {
  const shown = values
    .slice(0, 12)
    .map((v) => JSON.stringify(v))
    .join(', ');
  return values.length > 12 ? `${shown}, ... (${values.length} values)` : shown;
}

function messageFor(e: ErrorObject): string {
  const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(((e.parentSchema as Record<string, unknown> | undefined)?.properties ?? {}) as object);
      const hint = closestMatch(field, known);
      return `unknown field ${JSON.stringify(field)}${typeof custom === 'string' ? `: ${custom}` : ''}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`;
    }
    case 'required':
      return `missing required field ${JSON.stringify((e.params as { missingProperty: string }).missingProperty)}${typeof custom === 'string' ? ` (${custom})` : ''}`;
    case 'type':
      return `must be ${String((e.params as { type: string }).type)} (found ${describeValue(e.data)})`;
    case 'enum':
      return `must be one of ${listAllowed((e.params as { allowedValues: unknown[] }).allowedValues)} (found ${describeValue(e.data)})`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} (found ${describeValue(e.data)})`;
    default: {
      const found = e.data !== null && typeof e.data === 'object' ? '' : ` (found ${describeValue(e.data)})`;
      return `${typeof custom === 'string' ? custom : (e.message ?? 'invalid')}${found}`;
    }
  }
}

/** Where an error points: the offending property itself for unknown fields, the instance path otherwise. */
export function errorPath(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties')
    return `${e.instancePath}/${pointerSegment((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'required')
    return `${e.instancePath}/${pointerSegment((e.params as { missingProperty: string }).missingProperty)}`;
  return e.instancePath;
}

/**
 * Findings for ajv errors (validator compiled with `verbose: true`); `prefix` is the JSON pointer of the validated
 * value inside the file. Errors of combinators ("if", "anyOf", ...) are dropped: their branches report the cause.
 */
export function ajvFindings(
  errors: ErrorObject[] | null | undefined,
  prefix: string,
  severity: 'error' | 'warning' = 'error',
): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'allOf') continue;
    const where = prefix + errorPath(e) || '/';
    const message = messageFor(e);
    const key = `${where}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(finding(severity, message, where));
  }
  return out;
}
