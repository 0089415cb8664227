// tracewall's own version, read once from package.json (recorded in every Recording).
import fs from 'node:fs';
import { fromRoot } from './util/paths.js';

/** The version in package.json. */
export const TOOL_VERSION: string = (
  JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }
).version;
