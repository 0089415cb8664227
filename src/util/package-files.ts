// Files tracewall ships and reads at run time (templates, reference profiles), read once by the callers that need them
// and handed to the pure renderers as values.
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { fromRoot } from './paths.js';

const cache = new Map<string, string>();

function read(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = fs.readFileSync(file, 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** The Handlebars template of a rendered file (templates/NAME.hbs). */
export function loadTemplate(name: 'apparmor'): string {
  return read(fromRoot('templates', `${name}.hbs`));
}

/** Docker's default seccomp profile (the copy tracewall ships), parsed. */
export function loadDockerDefault(
  file = fromRoot('src', 'validate', 'schemas', 'docker-default-seccomp.json'),
): unknown {
  try {
    return JSON.parse(read(file));
  } catch (err) {
    throw badInput(`${file}: cannot read Docker's default seccomp profile: ${(err as Error).message}`, err);
  }
}
