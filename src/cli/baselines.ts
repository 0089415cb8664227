// Built-in baselines for `diff`: a runtime's published default seccomp profile by name (`diff docker-default NEW`).
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { fromRoot } from '../util/paths.js';

/** A built-in baseline: where its copy is and what it is (src/baselines/SOURCES.md has the provenance). */
export interface Baseline {
  file: string;
  label: string;
}

const BASELINES: Readonly<Record<string, Baseline>> = {
  'docker-default': {
    file: fromRoot('src', 'validate', 'schemas', 'docker-default-seccomp.json'),
    label: "docker-default (built in: Docker's default seccomp profile, moby/profiles seccomp/default.json)",
  },
  'podman-default': {
    file: fromRoot('src', 'baselines', 'podman-default-seccomp.json'),
    label: 'podman-default (built in: the Podman/CRI-O default, containers/common pkg/seccomp/seccomp.json)',
  },
};

/** Names that are known but have no published profile, with why. */
const UNPUBLISHED: Readonly<Record<string, string>> = {
  'containerd-default':
    'containerd builds its default seccomp profile in Go code and publishes no profile file, so tracewall has no copy of it',
};

/** The names `diff` accepts in place of a file. */
export const BASELINE_NAMES: readonly string[] = Object.keys(BASELINES).sort();

/** The baseline `arg` names, when it is a baseline's name and not an existing file; throws for unpublished ones. */
export function baselineFor(arg: string): Baseline | undefined {
  if (fs.existsSync(arg)) return undefined;
  const why = UNPUBLISHED[arg];
  if (why !== undefined) throw badInput(`${arg}: ${why}; the built-in baselines are ${BASELINE_NAMES.join(', ')}`);
  return BASELINES[arg];
}
