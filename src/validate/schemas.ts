// Loading the JSON Schemas validate uses: the OCI runtime-spec seccomp schema (draft-04, shipped unmodified) and our own draft-07 schemas.
import fs from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import Ajv04Import from 'ajv-draft-04';
import { fromRoot } from '../util/paths.js';

/** The schema directory inside the package. */
export function schemaPath(...parts: string[]): string {
  return fromRoot('src', 'validate', 'schemas', ...parts);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

// ajv-draft-04 is CommonJS with `module.exports = Ajv` and `exports.default = Ajv`; under NodeNext the default
// import is typed as the module record, so take `.default` when present and the import itself otherwise.
type Ajv04Class = new (opts?: Record<string, unknown>) => Ajv;
const Ajv04: Ajv04Class =
  (Ajv04Import as unknown as { default?: Ajv04Class }).default ?? (Ajv04Import as unknown as Ajv04Class);

let ociSeccomp: ValidateFunction | undefined;
/** Validator for an OCI `linux.seccomp` object: `#/linux/properties/seccomp` of config-linux.json and the defs it references. */
export function ociSeccompValidator(): ValidateFunction {
  if (!ociSeccomp) {
    // strict: false because config-linux.json is an upstream fragment whose root member "linux" is not a keyword.
    const ajv = new Ajv04({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(readJson(schemaPath('oci', 'defs.json')), 'defs.json');
    ajv.addSchema(readJson(schemaPath('oci', 'defs-linux.json')), 'defs-linux.json');
    ajv.addSchema(readJson(schemaPath('oci', 'config-linux.json')), 'config-linux.json');
    const v = ajv.getSchema('config-linux.json#/linux/properties/seccomp');
    if (!v) throw new Error('config-linux.json has no #/linux/properties/seccomp');
    ociSeccomp = v;
  }
  return ociSeccomp;
}

const draft07: Map<string, ValidateFunction> = new Map();
/** A compiled draft-07 schema from the schemas directory; `x-message` is an annotation carrying a human explanation. */
export function draft07Validator(fileName: string): ValidateFunction {
  let v = draft07.get(fileName);
  if (!v) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, verbose: true, allowUnionTypes: true });
    ajv.addKeyword('x-message');
    v = ajv.compile(readJson(schemaPath(fileName)));
    draft07.set(fileName, v);
  }
  return v;
}

/** Docker's default seccomp profile as shipped (moby/profiles seccomp/default.json). */
export function dockerDefaultProfile(): Record<string, unknown> {
  return readJson(schemaPath('docker-default-seccomp.json'));
}
