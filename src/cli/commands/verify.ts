// The `verify` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { CONTAINER_RUNTIMES, VERIFY_MODES } from '../choices.js';
import { verbHelp } from '../help-text.js';

/** Adds `verify` to the program. */
export function addVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'run an OCI bundle (or a docker/podman container) under a seccomp profile and report every syscall it denies or (log mode) would deny, with the program that made it; or (--apparmor) check recordings against an AppArmor profile without loading it',
    )
    .usage(
      '--bundle DIR --seccomp FILE [--runtime crun|runc] [options]' +
        '\n       tracewall verify --podman --seccomp FILE [--runtime crun|runc] [options] -- [PODMAN-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall verify --docker --seccomp FILE [options] -- [DOCKER-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall verify --pod NAMESPACE/NAME [--container NAME] --seccomp FILE [--timeout SECONDS] [options]' +
        '\n       tracewall verify --apparmor PROFILE [--json|--format text|json] RECORDING...',
    )
    .option('--bundle <dir>', 'OCI bundle to run (its config.json is not changed)')
    .option(
      '--docker',
      'run `docker run ARGS` after -- with the profile; records are tied to the container by its cgroup',
    )
    .option('--podman', 'run `podman run ARGS` after -- with the profile')
    .option(
      '--pod <namespace/name>',
      "watch this running Kubernetes pod's containers, which run under the log form of --seccomp (generate --default-action log), and report what --seccomp would deny, per container",
    )
    .option('--container <name>', 'with --pod: only this container')
    .option(
      '--handler-dir <dir>',
      "with --pod: where tracewall's runtime handler runs from (default /var/lib/tracewall); its containers' records are tied to them by audit session",
    )
    .option('--runtime-endpoint <endpoint>', "with --pod: the CRI socket (default: containerd's, else CRI-O's)")
    .option('--seccomp <file>', 'seccomp profile to verify (Docker format or OCI linux.seccomp)')
    .option(
      '--apparmor <profile>',
      'check the RECORDINGs given as operands against this AppArmor profile (runs nothing; needs no AppArmor in the kernel)',
    )
    .option('--format <format>', 'with --apparmor: text or json')
    .option('--include-dir <dir>', 'with --apparmor: where #include <...> is looked up (default /etc/apparmor.d)')
    .addOption(
      new Option(
        '--runtime <runtime>',
        "container runtime (default: crun for --bundle, runc for --docker, podman's own for --podman)",
      ).choices(CONTAINER_RUNTIMES),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'log: run unbroken and record what would be denied; enforce: run under the profile as is',
      )
        .choices(VERIFY_MODES)
        .default('log'),
    )
    .option('--timeout <seconds>', 'stop the workload after this many seconds (for servers); with --pod: stop watching')
    .option('--json', 'print the report as JSON')
    .argument('[run-args...]', 'with --docker/--podman: the run arguments, after --; with --apparmor: the recordings')
    .passThroughOptions()
    .addHelpText('after', verbHelp('verify'))
    .action(async (runArgs: string[], opts) => {
      const { verifyCommand } = await import('../verify.js');
      process.exitCode = await verifyCommand({ ...opts, runArgs });
    });
}
