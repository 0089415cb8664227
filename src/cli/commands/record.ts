// The `record` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { CONTAINER_RUNTIMES, ENGINES, TRACERS } from '../choices.js';
import { verbHelp } from '../help-text.js';

/** Adds `record` to the program. */
export function addRecord(program: Command): void {
  program
    .command('record')
    .description(
      'run COMMAND, an OCI bundle or a docker/podman container under a tracer, or attach to one already running (a process, a container, a Kubernetes pod), and write a Recording',
    )
    .usage(
      '[options] -- COMMAND [ARG...]\n       tracewall record --bundle DIR [--runtime crun|runc] [options]' +
        '\n       tracewall record --docker [options] -- [DOCKER-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall record --podman [--runtime crun|runc] [options] -- [PODMAN-RUN-ARGS...] IMAGE [CMD...]' +
        '\n       tracewall record --pid PID | --container ID [--engine docker|podman|cri] [--duration SECONDS] [options]' +
        '\n       tracewall record --pod NAMESPACE/NAME [--container NAME] [--runtime-endpoint unix://SOCKET] [--duration SECONDS] [options]' +
        '\n       tracewall record --node [--tracer ebpf] [--duration SECONDS] -o DIR',
    )
    .option('-o, --output <file>', 'recording file to write (default: NAME.recording.json)')
    .option('--name <name>', 'name of the recording and of the profiles made from it')
    .addOption(
      new Option(
        '--tracer <tracer>',
        'ebpf (compiled eBPF, built at install) and bpftrace need root and cost less than strace; auto takes ebpf, else bpftrace, else strace, and says why (default: auto for root and when attaching, strace otherwise and for --docker/--podman)',
      ).choices(TRACERS),
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
        "container runtime (default: crun for --bundle, runc for --docker, podman's own for --podman)",
      ).choices(CONTAINER_RUNTIMES),
    )
    .option(
      '--pid <pid>',
      'attach to this running process and its descendants (ebpf or bpftrace), until --duration, SIGINT/SIGTERM or their end; nothing is stopped',
    )
    .option(
      '--container <id>',
      'attach to this running docker, podman or CRI container (ebpf or bpftrace), including later `exec`s into it; with --pod: the name of the container to record; nothing is stopped',
    )
    .option(
      '--pod <namespace/name>',
      "attach to the running containers of this Kubernetes pod, found through the node's CRI runtime (ebpf or bpftrace); -o is a directory when several are recorded",
    )
    .option(
      '--runtime-endpoint <endpoint>',
      "the CRI socket for --pod and --container (default: unix:///run/containerd/containerd.sock, else CRI-O's)",
    )
    .addOption(
      new Option('--engine <engine>', 'the engine that runs --container (default: whichever knows it)').choices(
        ENGINES,
      ),
    )
    .option(
      '--node',
      'record every container that runs on this host (podman, docker, CRI) from its start, each by its cgroup (ebpf only), until --duration or SIGINT/SIGTERM; -o DIR gets one recording per container (ENGINE/NAME or NAMESPACE/POD/CONTAINER)',
    )
    .option('--duration <seconds>', 'with --pid/--container/--pod/--node: stop recording after this many seconds')
    .option(
      '--from-log <file>',
      'build the recording from an existing strace log (made with the flags tracewall uses) instead of running anything',
    )
    .option('--keep-log <file>', 'also keep the raw strace log in this file')
    .argument('[command...]', 'command to run, after --')
    .passThroughOptions()
    .addHelpText('after', verbHelp('record'))
    .action(async (command: string[], opts) => {
      const { recordCommand } = await import('../record.js');
      process.exitCode = await recordCommand(command, opts);
    });
}
