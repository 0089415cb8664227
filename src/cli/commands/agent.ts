// The `agent` verb's options and help: the Kubernetes node daemon; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { verbHelp } from '../help-text.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Adds `agent` to the program. */
export function addAgent(program: Command): void {
  program
    .command('agent')
    .description(
      "the Kubernetes node daemon: record every container of the selected pods through the node's CRI runtime, per workload, until SIGTERM",
    )
    .option(
      '--namespace <namespace>',
      'record pods of this namespace (repeat for several; default: every namespace)',
      collect,
    )
    .option(
      '--selector <selector>',
      'record pods whose labels match: k=v, k!=v, k, !k joined by commas (repeat: all must match)',
      collect,
    )
    .option(
      '--runtime-endpoint <endpoint>',
      "the CRI socket (default: unix:///run/containerd/containerd.sock, else CRI-O's)",
    )
    .option(
      '--output-dir <dir>',
      'where recordings go: DIR/NAMESPACE/WORKLOAD/CONTAINER/POD.recording.json (default: /var/lib/tracewall/agent)',
    )
    .addOption(
      new Option(
        '--tracer <tracer>',
        'how to attach: auto takes ebpf where it runs, else bpftrace (default: auto)',
      ).choices(['auto', 'ebpf', 'bpftrace']),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        "attach: attach a tracer to each container once it runs (its first second is missed); node: one ebpf loader records every container of the node from its entrypoint's exec (default: attach)",
      ).choices(['attach', 'node']),
    )
    .option('--status-interval <seconds>', 'a status line on stderr and DIR/agent-status.json this often (default: 60)')
    .option(
      '--max-containers <n>',
      'record at most N containers at once, one tracer process each; the rest wait (default: 64 with ebpf, 8 with bpftrace, 4096 with --mode node)',
    )
    .option(
      '--segment <seconds>',
      "end a container's recording after so long and start the next, bounding each log (0: never; default: 3600)",
    )
    .option(
      '--max-merged-runs <n>',
      'a merged recording of N runs is compacted into one run before the next is added, bounding each update (default: 200)',
    )
    .addHelpText('after', verbHelp('agent'))
    .action(async (opts) => {
      const { agentCommand } = await import('../agent.js');
      process.exitCode = await agentCommand(opts);
    });
}
