// The `collect` verb's options and help: every node agent's recordings, fetched with kubectl and merged across nodes;
// its code is loaded only when it runs.
import { Command } from 'commander';
import { verbHelp } from '../help-text.js';

/** Adds `collect` to the program. */
export function addCollect(program: Command): void {
  program
    .command('collect')
    .description(
      "gather every node agent's recordings with kubectl and merge each workload container's across nodes, keeping each run's node",
    )
    .requiredOption('-o, --output <dir>', 'directory to write nodes/ and merged/ into (created when missing)')
    .option('--kubectl <path>', 'the kubectl to run (with your kubeconfig and context)', 'kubectl')
    .option('--namespace <ns>', "the agents' namespace", 'tracewall')
    .option('--selector <labels>', "the agent pods' label selector", 'app=tracewall-agent')
    .option('--container <name>', "the agent's container in its pod", 'agent')
    .option(
      '--agent-dir <dir>',
      "the agents' recordings directory (the DaemonSet's hostPath)",
      '/var/lib/tracewall/agent',
    )
    .addHelpText('after', verbHelp('collect'))
    .action(
      async (opts: {
        output: string;
        kubectl: string;
        namespace: string;
        selector: string;
        container: string;
        agentDir: string;
      }) => {
        const { collectCommand } = await import('../collect.js');
        process.exitCode = await collectCommand(opts);
      },
    );
}
