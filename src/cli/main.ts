// The tracewall command line: parses verbs and flags, runs them, and is the only place that exits.
import { Command, CommanderError, Option } from 'commander';
import { TracewallError, ExitCode } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { recordCommand } from './record.js';
import { generateCommand } from './generate.js';
import { validateCommand } from './validate.js';
import { diffCommand } from './diff.js';
import { mergeCommand } from './merge.js';
import { checkCommand } from './check.js';
import { verifyCommand } from './verify.js';
import { registerReach } from './reach.js';

function buildProgram(): Command {
  const program = new Command('tracewall')
    .description(
      'Record what a program or container really does; render least-privilege seccomp, AppArmor and Kubernetes policy for it.',
    )
    .version(TOOL_VERSION)
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run tracewall --help for usage)');

  program
    .command('record')
    .description(
      'run COMMAND, an OCI bundle or a docker/podman container under a tracer, or attach to one already running, and write a Recording',
    )
    .usage(
      '[options] -- COMMAND [ARG...]\n       tracewall record --bundle DIR [--runtime crun|runc] [options]' +
        '\n       tracewall record --docker [options] -- [DOCKER-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall record --podman [--runtime crun|runc] [options] -- [PODMAN-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall record --pid PID | --container ID [--engine docker|podman] [--duration SECONDS] [options]',
    )
    .option('-o, --output <file>', 'recording file to write (default: NAME.recording.json)')
    .option('--name <name>', 'name of the recording and of the profiles made from it')
    .addOption(
      new Option(
        '--tracer <tracer>',
        'strace, bpftrace (root; low overhead) or auto (bpftrace where it can run, else strace); default strace, bpftrace for --pid/--container',
      ),
    )
    .option('--pty', 'run the command in a pseudo-terminal (for programs that need one)')
    .option('--bundle <dir>', 'run this OCI bundle with a container runtime instead of a command')
    .option(
      '--docker',
      'run `docker run ARGS` after -- and record the container (dockerd needs the "tracewall" runtime registered; record says how)',
    )
    .option('--podman', 'run `podman run ARGS` after -- and record the container')
    .addOption(
      new Option(
        '--runtime <runtime>',
        "container runtime: crun or runc (default: crun for --bundle, runc for --docker, podman's own for --podman)",
      ),
    )
    .option(
      '--pid <pid>',
      'attach to this running process and its descendants (bpftrace), until --duration, SIGINT/SIGTERM or their end; nothing is stopped',
    )
    .option(
      '--container <id>',
      'attach to this running docker or podman container (bpftrace), including later `exec`s into it; nothing is stopped',
    )
    .addOption(
      new Option(
        '--engine <engine>',
        'the engine that runs --container: docker or podman (default: whichever knows it)',
      ),
    )
    .option('--duration <seconds>', 'with --pid/--container: stop recording after this many seconds')
    .option(
      '--from-log <file>',
      'build the recording from an existing strace log (made with the flags tracewall uses) instead of running anything',
    )
    .option('--keep-log <file>', 'also keep the raw strace log in this file')
    .argument('[command...]', 'command to run, after --')
    .passThroughOptions()
    .action(async (command: string[], opts) => {
      process.exitCode = await recordCommand(command, opts);
    });

  program
    .command('generate')
    .description('render seccomp, AppArmor and Kubernetes policy from one or more recordings')
    .option('-o, --output <dir>', 'directory to write the profiles to', '.')
    .option('--name <name>', "profile name (default: the first recording's name)")
    .addOption(
      new Option(
        '--format <format>',
        'seccomp profile format: docker, oci (linux.seccomp of config.json) or spo (Security Profiles Operator SeccompProfile)',
      ).default('docker'),
    )
    .addOption(
      new Option(
        '--runtime <runtime>',
        "runtime layer to add: crun, runc or none (default: the recording's runtime, none for commands)",
      ),
    )
    .addOption(
      new Option(
        '--default-action <action>',
        'seccomp default action for unobserved syscalls: errno, kill-process or log (log allows everything: a complain profile)',
      ).default('errno'),
    )
    .option('--apparmor-annotation', 'also emit the pre-1.30 AppArmor pod annotation in the Kubernetes YAML')
    .option(
      '--nnp <on|off>',
      'whether the container runs with no_new_privs (decides the runtime layer; default: on only when every recording was a bundle with noNewPrivileges)',
    )
    .option(
      '--coverage-json <file>',
      'also write the coverage report of the runs (what each added, what only one needed) as JSON',
    )
    .argument('<recording...>', 'recording files')
    .action(async (recordings: string[], opts) => {
      process.exitCode = await generateCommand(recordings, opts);
    });

  program
    .command('validate')
    .description(
      'check seccomp profiles, recordings, AppArmor profiles and Kubernetes YAML (kind recognised from content)',
    )
    .argument('<file...>', 'files to check')
    .action(async (files: string[]) => {
      process.exitCode = await validateCommand(files);
    });

  program
    .command('diff')
    .description('compare two profiles (seccomp, AppArmor, Kubernetes) or two recordings, rating every change by risk')
    .argument('<old>', 'the old file')
    .argument('<new>', 'the new file')
    .option('--format <format>', 'text, markdown or json', 'text')
    .option('--fail-on <level>', 'exit 1 when a widening change is at or above low, medium, high or critical')
    .action(async (oldFile: string, newFile: string, opts) => {
      process.exitCode = await diffCommand(oldFile, newFile, {
        format: opts.format,
        failOn: opts.failOn,
        color: process.stdout.isTTY === true && !process.env.NO_COLOR,
      });
    });

  program
    .command('merge')
    .description('merge recordings into one, each fact saying which runs needed it; prints what each run added')
    .requiredOption('-o, --output <file>', 'merged recording to write')
    .option('--name <name>', 'name of the merged recording (default: the output file name without .recording.json)')
    .option(
      '--coverage-json <file>',
      'also write the coverage report (what each run added, what only one needed) as JSON',
    )
    .argument('<recording...>', 'recording files (plain or merged), in the order the coverage report follows')
    .action(async (recordings: string[], opts) => {
      process.exitCode = await mergeCommand(recordings, opts);
    });

  program
    .command('check')
    .description(
      'regenerate profiles from recordings and compare them with the committed ones (exit 1 with a risk-rated diff on drift)',
    )
    .requiredOption('--profiles <dir>', 'directory with the committed profiles')
    .option('--update', 'rewrite the profiles that differ (and remove stale ones of this name) instead of failing')
    .addOption(new Option('--report <format>', 'report format: text, markdown or json').default('text'))
    .option('--ignore-comments', 'do not count a change of comments only (run names, counts) as drift')
    .option('--name <name>', "profile name (default: the first recording's name)")
    .addOption(new Option('--format <format>', 'seccomp profile format: docker, oci or spo').default('docker'))
    .addOption(
      new Option(
        '--runtime <runtime>',
        "runtime layer to add: crun, runc or none (default: the recordings' runtime, none for commands)",
      ),
    )
    .addOption(
      new Option('--default-action <action>', 'seccomp default action: errno, kill-process or log').default('errno'),
    )
    .option('--apparmor-annotation', 'also emit the pre-1.30 AppArmor pod annotation in the Kubernetes YAML')
    .option(
      '--nnp <on|off>',
      'whether the container runs with no_new_privs (decides the runtime layer; default: on only when every recording was a bundle with noNewPrivileges)',
    )
    .argument('<recording...>', 'recording files')
    .action(async (recordings: string[], opts) => {
      process.exitCode = await checkCommand(recordings, opts);
    });

  program
    .command('verify')
    .description(
      'run an OCI bundle (or a docker/podman container) under a seccomp profile and report every syscall it denies or (log mode) would deny, with the program that made it; or (--apparmor) check recordings against an AppArmor profile without loading it',
    )
    .usage(
      '--bundle DIR --seccomp FILE [--runtime crun|runc] [options]' +
        '\n       tracewall verify --podman --seccomp FILE [--runtime crun|runc] [options] -- [PODMAN-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall verify --docker --seccomp FILE [options] -- [DOCKER-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall verify --apparmor PROFILE [--json|--format text|json] RECORDING...',
    )
    .option('--bundle <dir>', 'OCI bundle to run (its config.json is not changed)')
    .option(
      '--docker',
      'run `docker run ARGS` after -- with the profile; records are tied to the container by its cgroup',
    )
    .option('--podman', 'run `podman run ARGS` after -- with the profile')
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
        "container runtime: crun or runc (default: crun for --bundle, runc for --docker, podman's own for --podman)",
      ),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'log: run unbroken and record what would be denied; enforce: run under the profile as is',
      ).default('log'),
    )
    .option('--timeout <seconds>', 'stop the workload after this many seconds (for servers)')
    .option('--json', 'print the report as JSON')
    .argument('[run-args...]', 'with --docker/--podman: the run arguments, after --; with --apparmor: the recordings')
    .passThroughOptions()
    .action(async (runArgs: string[], opts) => {
      process.exitCode = await verifyCommand({ ...opts, runArgs });
    });

  registerReach(program);
  return program;
}

/** Run the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return ExitCode.badInput;
    }
    if (err instanceof TracewallError) {
      process.stderr.write(`tracewall: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `tracewall: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 70;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tracewall: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
