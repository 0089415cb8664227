// The command line's start and usage errors, through bin/tracewall: verbs load only when they run, commander's own
// errors carry tracewall's prefix and exit 2, no arguments prints the help and exits 2.
import { describe, expect, it } from 'vitest';
import { cli, loadedModules, NOT_BUILT, withModule } from './helpers.js';

/** Help text with its line wrapping undone. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

const VERBS = ['record', 'generate', 'validate', 'diff', 'merge', 'check', 'converge', 'verify', 'runtime'];

describe.skipIf(NOT_BUILT)('tracewall start and usage', () => {
  it('--help loads the grammar only, no verb code (issue 10 item 5)', () => {
    const { run, modules } = loadedModules(['--help']);
    expect(run.status).toBe(0);
    expect(modules).toContain('cli/program.js');
    // The verbs' code, and everything under it, stays unloaded.
    for (const verb of VERBS) expect(modules).not.toContain(`cli/${verb}.js`);
    const startup =
      /^(cli\/(main|program|choices|help-text|closed-pipe|color|commands\/[a-z-]+)|version|errors|util\/paths|diff\/formats|reach\/formats|render\/spo-versions)\.js$/;
    expect(modules.filter((m) => !startup.test(m))).toEqual([]);
  });

  it('a verb loads its own code when it runs', () => {
    const { modules } = loadedModules(['diff', '/nonexistent-a', '/nonexistent-b']);
    expect(modules).toContain('cli/diff.js');
    expect(modules).not.toContain('cli/record.js');
    expect(modules).not.toContain('cli/verify.js');
  });

  it('no arguments at all prints the help on stderr and exits 2', () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: tracewall');
    expect(r.stderr).toContain('Commands:');
    expect(r.stdout).toBe('');
  });

  it("commander's own errors start with tracewall: and exit 2", () => {
    for (const args of [
      ['--bogus'],
      ['diff', '--bogus', 'a', 'b'],
      ['diff', 'only-one'],
      ['nosuchverb'],
      ['merge', 'a.json'],
    ]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^tracewall: /);
      expect(r.stderr, args.join(' ')).not.toMatch(/^error:/m);
    }
  });

  it("a verb's usage error points at that verb's help", () => {
    expect(cli(['diff', '--bogus', 'a', 'b']).stderr).toBe(
      "tracewall: unknown option '--bogus'\n(run tracewall diff --help for usage)\n",
    );
    expect(cli(['bogus']).stderr).toBe("tracewall: unknown command 'bogus'\n(run tracewall --help for usage)\n");
  });

  it('allowed values come from Option.choices: --help lists them, others are refused with the list', () => {
    const help = cli(['generate', '--help']);
    expect(help.status).toBe(0);
    expect(flat(help.stdout)).toMatch(/--format <format>[\s\S]*choices: "docker", "oci", "spo"/);
    expect(flat(help.stdout)).toMatch(/--default-action <action>[\s\S]*choices: "errno", "kill-process", "log"/);
    const bad = cli(['generate', '--format', 'xml', 'a.json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      "tracewall: option '--format <format>' argument 'xml' is invalid. Allowed choices are docker, oci, spo.",
    );
    expect(flat(cli(['diff', '--help']).stdout)).toMatch(
      /--fail-on <level>[\s\S]*choices: "low", "medium", "high", "critical"/,
    );
    expect(flat(cli(['record', '--help']).stdout)).toMatch(
      /--tracer <tracer>[\s\S]*choices: "strace", "bpftrace", "ebpf", "auto"/,
    );
    expect(flat(cli(['verify', '--help']).stdout)).toMatch(/--mode <mode>[\s\S]*choices: "log", "enforce"/);
  });

  it('every verb --help names the files it writes, the exit codes and an example', () => {
    for (const verb of VERBS) {
      const r = cli([verb, '--help']);
      expect(r.status, verb).toBe(0);
      expect(r.stdout, verb).toContain('Writes:');
      expect(r.stdout, verb).toMatch(/Exit codes:\n {2}0 /);
      expect(r.stdout, verb).toContain('  70   internal error');
      expect(r.stdout, verb).toContain('  141  ');
      expect(r.stdout, verb).toMatch(new RegExp(`Examples?:\\n {2}\\$ tracewall ${verb} `));
    }
  });
});

describe.skipIf(NOT_BUILT)('an internal error', () => {
  it('(a bug: an exception that is not a TracewallError) exits 70 with the stack, prefixed tracewall:', () => {
    const r = withModule(
      'cli/validate.js',
      "export async function validateCommand() { throw new TypeError('simulated bug'); }",
      ['validate', 'x'],
    );
    expect(r.status).toBe(70);
    expect(r.stderr).toMatch(/^tracewall: internal error: TypeError: simulated bug\n\s+at /);
  });
});
