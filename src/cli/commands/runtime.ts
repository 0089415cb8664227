// The `runtime` verb's options and help: installing tracewall's runtime handler on a Kubernetes node (and the finisher
// the handler runs, not for users); its code is loaded only when it runs.
import { Command } from 'commander';
import { verbHelp } from '../help-text.js';

/** Adds `runtime` to the program. */
export function addRuntime(program: Command): void {
  const runtime = program
    .command('runtime')
    .description(
      "install tracewall's runtime handler on a Kubernetes node: pods of RuntimeClass tracewall-record are recorded from their first syscall",
    )
    .addHelpText('after', verbHelp('runtime'));
  runtime
    .command('install')
    .description(
      "write the wrapper runtime for containerd's handler tracewall-record; print containerd's config and the RuntimeClass",
    )
    .requiredOption('--containerd', 'for containerd (>= 1.6, CRI config version 2): the only runtime supported')
    .option('--dir <dir>', 'where the wrapper, its sessions and the recordings live', '/var/lib/tracewall')
    .option(
      '--runtime-endpoint <endpoint>',
      "containerd's CRI socket, asked for pod labels when a container ends",
      'unix:///run/containerd/containerd.sock',
    )
    .action(async (opts: { dir: string; runtimeEndpoint: string }) => {
      const { runtimeInstallCommand } = await import('../runtime.js');
      process.exitCode = await runtimeInstallCommand(opts);
    });
  runtime
    .command('finish', { hidden: true })
    .description('(run by the wrapper) write the recording of a container that ended')
    .argument('<session>', "the wrapper's session directory")
    .requiredOption('--dir <dir>', 'the node directory the wrapper was installed in')
    .requiredOption('--runtime-endpoint <endpoint>', "containerd's CRI socket")
    .action(async (session: string, opts: { dir: string; runtimeEndpoint: string }) => {
      const { runtimeFinishCommand } = await import('../runtime.js');
      process.exitCode = await runtimeFinishCommand(session, opts);
    });
}
