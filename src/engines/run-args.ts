// The `docker run` / `podman run` arguments a user gives after `record --docker|--podman --`: where the image is, and
// the flags tracewall must refuse because it sets them itself or because they would end the run before the container.
import { badInput } from '../errors.js';

/** The engines tracewall records containers of. */
export type EngineName = 'docker' | 'podman';

/** Boolean flags (no value unless given as --flag=value) of each engine's `run`; every other flag takes a value. */
const BOOLEAN_FLAGS: Readonly<Record<EngineName, ReadonlySet<string>>> = {
  docker: new Set([
    'detach',
    'disable-content-trust',
    'help',
    'init',
    'interactive',
    'no-healthcheck',
    'oom-kill-disable',
    'privileged',
    'publish-all',
    'quiet',
    'read-only',
    'rm',
    'sig-proxy',
    'tty',
    'use-api-socket',
  ]),
  podman: new Set([
    'detach',
    'disable-content-trust',
    'env-host',
    'help',
    'http-proxy',
    'init',
    'interactive',
    'no-healthcheck',
    'no-hosts',
    'oom-kill-disable',
    'passwd',
    'privileged',
    'publish-all',
    'quiet',
    'read-only',
    'read-only-tmpfs',
    'replace',
    'rm',
    'rmi',
    'rootfs',
    'sig-proxy',
    'tls-verify',
    'tty',
    'unsetenv-all',
  ]),
};
const SHORT_BOOLEANS: Readonly<Record<string, string>> = {
  d: 'detach',
  i: 'interactive',
  P: 'publish-all',
  q: 'quiet',
  t: 'tty',
};

/** Flags tracewall sets itself, and why the user's own cannot be kept. */
const REFUSED: Readonly<Record<string, string>> = {
  detach: 'record follows the container to its end; run it in the foreground (drop -d/--detach)',
  cidfile: 'tracewall passes its own --cidfile to find the container',
  runtime:
    'tracewall runs the container through its wrapper runtime; choose the real runtime with `record --runtime crun|runc`',
  help: 'there is nothing to record in `run --help`',
};

/** The user's run arguments, split. */
export interface RunArgs {
  /** The options before the image, as given. */
  options: string[];
  image: string;
  /** The command after the image (may be empty: the image's default). */
  command: string[];
  /** Whether --rm was given (true unless --rm=false). */
  remove: boolean;
}

/** Split `[RUN-OPTIONS...] IMAGE [CMD...]` for `engine`; refuses the flags in REFUSED and a missing image (exit 2). */
export function parseRunArgs(
  engine: EngineName,
  args: readonly string[],
  verb: 'record' | 'verify' = 'record',
): RunArgs {
  const bools = BOOLEAN_FLAGS[engine];
  let remove = false;
  const refuse = (flag: string, given: string): never => {
    throw badInput(`${verb} --${engine}: ${given} is not allowed: ${REFUSED[flag]}`);
  };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const value = eq < 0 ? undefined : a.slice(eq + 1);
      if (REFUSED[name] && !(bools.has(name) && value === 'false')) refuse(name, a);
      if (name === 'rm') remove = value === undefined || value === 'true';
      if (eq < 0 && !bools.has(name)) {
        if (i + 1 >= args.length)
          throw badInput(`${verb} --${engine}: ${a} needs a value (\`${engine} run ${a} VALUE ... IMAGE\`)`);
        i++;
      }
      continue;
    }
    // short flags, possibly combined (-it); the first one that takes a value swallows the rest or the next argument
    for (let k = 1; k < a.length; k++) {
      const long = SHORT_BOOLEANS[a[k]!];
      if (long === 'detach') refuse('detach', a);
      if (long) continue;
      if (k === a.length - 1) {
        if (i + 1 >= args.length)
          throw badInput(`${verb} --${engine}: ${a} needs a value (\`${engine} run ${a} VALUE ... IMAGE\`)`);
        i++;
      }
      break;
    }
  }
  const image = args[i];
  if (image === undefined)
    throw badInput(
      `${verb} --${engine} needs an image: \`tracewall ${verb} --${engine} -- [RUN-OPTIONS...] IMAGE [CMD...]\``,
    );
  return { options: args.slice(0, i), image, command: args.slice(i + 1), remove };
}
