// The command-line grammar: every verb's options and help. A verb's code is imported only when it runs, so that
// `tracewall --help` and a usage error cost no more than commander.
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { programHelp } from './help-text.js';
import { addRecord } from './commands/record.js';
import { addGenerate } from './commands/generate.js';
import { addCheck } from './commands/check.js';
import { addDiff } from './commands/diff.js';
import { addMerge, addValidate } from './commands/small.js';
import { addVerify } from './commands/verify.js';
import { addReach } from './commands/reach.js';
import { addConverge } from './commands/converge.js';
import { addRuntime } from './commands/runtime.js';
import { addAgent } from './commands/agent.js';
import { addCollect } from './commands/collect.js';

/** commander prefixes its own errors with "error: "; tracewall's messages all start with "tracewall: ". */
export function tracewallPrefix(message: string): string {
  return message.replace(/^error: /, 'tracewall: ');
}

/** The whole program, with exitOverride (only main.ts exits). */
export function buildProgram(): Command {
  const program = new Command('tracewall')
    .description(
      'Record what a program or container really does; render least-privilege seccomp, AppArmor and Kubernetes policy for it.',
    )
    .version(TOOL_VERSION)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(tracewallPrefix(str)) })
    .showHelpAfterError('(run tracewall --help for usage)')
    .addHelpText('after', programHelp());
  addRecord(program);
  addGenerate(program);
  addValidate(program);
  addDiff(program);
  addMerge(program);
  addCheck(program);
  addConverge(program);
  addVerify(program);
  addReach(program);
  addRuntime(program);
  addAgent(program);
  addCollect(program);
  // A usage error of a verb points at that verb's help.
  for (const verb of program.commands) verb.showHelpAfterError(`(run tracewall ${verb.name()} --help for usage)`);
  return program;
}
