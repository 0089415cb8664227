// What tracewall needs from a container engine (docker, podman) to record one of its containers, and shared helpers.
import path from 'node:path';
import { execa } from 'execa';
import { toolMissing } from '../errors.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import type { EngineName } from './run-args.js';

/** One engine's commands, as tracewall drives them. */
export interface Engine {
  name: EngineName;
  /** Check the engine can be used here (CLI installed, daemon reachable); toolMissing with what to do if not. */
  check(): Promise<void>;
  /** The real runtime to wrap: the requested one, else the engine's own. */
  runtime(requested: RuntimeName | undefined): Promise<RuntimeName>;
  /** Where the wrapper runtime for `runtime` lives (docker: the path dockerd has registered for "tracewall"). */
  wrapperPath(runtime: RuntimeName): Promise<string>;
  /** The full command line that runs the user's container through the wrapper, writing its id to cidFile. */
  runArgv(wrapper: string, cidFile: string, userArgs: readonly string[]): string[];
  /** The engine's version (the daemon's for docker). */
  version(): Promise<string>;
  /** The id of a local image, or undefined. */
  imageId(image: string): Promise<string | undefined>;
  /** Stop the container as `ENGINE stop -t SECONDS ID` does (SIGTERM, SIGKILL after the grace). */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** SIGKILL the container. */
  kill(id: string): Promise<void>;
}

/** Where tracewall keeps its wrapper runtimes: $TRACEWALL_RUNTIME_DIR, else /var/lib/tracewall. */
export function runtimeDir(): string {
  const dir = process.env.TRACEWALL_RUNTIME_DIR;
  return dir && path.isAbsolute(dir) ? dir : '/var/lib/tracewall';
}

/** The sessions directory that belongs to a wrapper path. */
export function sessionsDirOf(wrapper: string): string {
  return `${wrapper}.sessions`;
}

/** Run an engine CLI quietly; ENOENT is a toolMissing error naming the Debian package. */
export async function engineCli(cli: EngineName, args: string[], timeoutMs = 60_000) {
  const r = await execa(cli, args, { reject: false, stdin: 'ignore', timeout: timeoutMs, encoding: 'utf8' });
  if (r.exitCode === undefined && r.code === 'ENOENT') {
    throw toolMissing(
      `${cli} is not installed or not on PATH: install the Debian package ${cli === 'docker' ? 'docker.io (the daemon and CLI; plus containerd)' : 'podman'}`,
    );
  }
  return {
    exitCode: r.exitCode ?? null,
    stdout: String(r.stdout ?? '').trim(),
    stderr: String(r.stderr ?? '').trim(),
    timedOut: r.timedOut,
  };
}

/** The first line of an engine's error output, for messages. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? ''
  );
}
