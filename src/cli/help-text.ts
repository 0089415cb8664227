// What each verb's --help says after its options: the files it writes, its exit codes and an example.

/** The verbs of the command line. */
export type Verb =
  | 'record'
  | 'generate'
  | 'validate'
  | 'diff'
  | 'merge'
  | 'check'
  | 'converge'
  | 'verify'
  | 'reach'
  | 'runtime'
  | 'agent'
  | 'collect';

/** Exit codes every verb shares (README "Exit codes"). */
const COMMON_CODES = [
  '  2    bad input or usage (a file, a flag, a value)',
  '  3    a needed system tool is missing or not permitted',
  '  70   internal error (a bug in tracewall: please report it with the message)',
  '  141  stdout or stderr was closed before all was written (as for SIGPIPE)',
];

interface VerbText {
  writes: string[];
  codes: string[];
  examples: string[];
}

const TEXT: Record<Verb, VerbText> = {
  record: {
    writes: [
      'NAME.recording.json (or -o FILE): the Recording, written atomically',
      '--keep-log FILE: the raw tracer log (--from-log reads it back)',
    ],
    codes: [
      '  0    recorded; the workload exited 0',
      "  N    recorded; the workload's own exit status (128+S when it died of signal S)",
      '  1    attaching: the target ended before probes attached; nothing written',
    ],
    examples: [
      'tracewall record -o app.recording.json -- ./my-server --port 8080',
      'tracewall record --bundle ./bundle --runtime runc -o app.recording.json',
      'tracewall record --pod staging/web-0 --duration 60 -o web-0/',
    ],
  },
  generate: {
    writes: [
      'DIR/NAME.seccomp.json   seccomp profile (--format docker or oci)',
      "DIR/NAME.seccomp.yaml   --format spo: the operator's SeccompProfile, instead",
      "DIR/NAME.apparmor.yaml  --format spo: the operator's AppArmorProfile, too",
      'DIR/NAME.apparmor       AppArmor profile',
      'DIR/NAME.k8s.yaml       example Pod applying both',
      '--coverage-json FILE    the coverage report of the runs',
      'all or nothing; DIR (-o, default .) is created when missing',
      'stderr: the convergence verdict, a warning when the runs have not converged',
    ],
    codes: ['  0    written (converged or not)'],
    examples: ['tracewall generate -o profiles/ --name app app.recording.json'],
  },
  validate: {
    writes: ['nothing; one finding per line on stdout'],
    codes: ['  0    no file has an error', '  1    with --strict: a file has a warning', '  2    a file has an error'],
    examples: ['tracewall validate profiles/app.seccomp.json profiles/app.apparmor profiles/app.k8s.yaml'],
  },
  diff: {
    writes: ['nothing; the risk-rated report on stdout'],
    codes: ['  0    compared', '  1    --fail-on LEVEL: a widening change at LEVEL or above'],
    examples: [
      'tracewall diff --format markdown --fail-on high old/app.seccomp.json new/app.seccomp.json',
      'tracewall diff --min-risk medium docker-default profiles/app.seccomp.json',
    ],
  },
  merge: {
    writes: [
      '-o FILE (default NAME.recording.json): the merged recording',
      '--coverage-json FILE: the coverage report',
      'stderr: what each run added, and the convergence verdict',
    ],
    codes: ['  0    merged'],
    examples: ['tracewall merge --name app run1.json run2.json   # writes app.recording.json'],
  },
  check: {
    writes: [
      'nothing, unless --update: then the profiles of NAME in --profiles DIR',
      '(created when missing)',
      'the report on stdout (--report text, markdown or json); with',
      '--require-converged, the learning curve of the runs too (alone without',
      '--profiles), and the convergence verdict on stderr',
    ],
    codes: [
      '  0    up to date, rewritten (--update), or drift below --fail-on LEVEL',
      '  1    drift (with --fail-on: widening at LEVEL or above, or a missing file);',
      '       --require-converged: the runs have not converged (or are too few)',
    ],
    examples: [
      'tracewall check --profiles profiles/ --name app ci.recording.json',
      'tracewall check --require-converged run1.json run2.json run3.json run4.json',
    ],
  },
  converge: {
    writes: ['nothing; the learning curve and the verdict on stdout', '(--format text, markdown or json)'],
    codes: ['  0    reported (converged or not; check --require-converged fails)'],
    examples: ['tracewall converge --converge-runs 2 run1.json run2.json run3.json'],
  },
  verify: {
    writes: ['nothing; the report on stdout (--json for JSON)'],
    codes: ['  0    nothing was (or would have been) denied', '  1    something was (or would have been) denied'],
    examples: [
      'tracewall verify --bundle ./bundle --seccomp profiles/app.seccomp.json --runtime crun',
      'tracewall verify --docker --seccomp profiles/app.seccomp.json -- --rm myimage:1.0',
      'tracewall verify --apparmor profiles/app.apparmor this-week.recording.json',
    ],
  },
  runtime: {
    writes: [
      'install: DIR/runc-record, executable (--dir DIR; default /var/lib/tracewall);',
      "stdout: containerd's config for handler tracewall-record, the RuntimeClass.",
      'Then, as each container of the handler ends:',
      'DIR/recordings/NAMESPACE/POD/CONTAINER.recording.json',
    ],
    codes: ['  0    installed'],
    examples: ['tracewall runtime install --containerd'],
  },
  agent: {
    writes: [
      'DIR/NAMESPACE/WORKLOAD/CONTAINER/POD.recording.json as each container ends',
      '  (and at SIGTERM/SIGINT; POD.N.recording.json for later ones of that pod)',
      'DIR/NAMESPACE/WORKLOAD/CONTAINER.merged.recording.json: all of them merged',
      'DIR/agent-status.json: what is recorded, written, lost; memory',
      'all written atomically; DIR is --output-dir (default /var/lib/tracewall/agent)',
    ],
    codes: ['  0    stopped by SIGTERM or SIGINT, everything written'],
    examples: [
      "tracewall agent --namespace staging --selector 'app=web,tier!=cache'",
      'tracewall agent --mode node --namespace staging   # each container from its entrypoint (ebpf)',
    ],
  },
  reach: {
    writes: ['nothing; the report on stdout (--format text, markdown or json)'],
    codes: ['  0    analysed (whatever it found)'],
    examples: ['tracewall reach --format markdown app.recording.json'],
  },
  collect: {
    writes: [
      "DIR/nodes/NODE/...   each node agent's directory, as on its node",
      "DIR/merged/NAMESPACE/WORKLOAD/CONTAINER.recording.json   the merge of every node's pods of that container;",
      "  each run's node is in provenance.sources[].target.node (runs of one name become NAME.NODE)",
      'DIR/nodes and DIR/merged are replaced once everything was fetched and merged',
    ],
    codes: ['  0    collected', "  2    no agent pod matched; a recording was not a Kubernetes container's"],
    examples: ['tracewall collect -o fleet/', 'tracewall collect --kubectl /usr/local/bin/kubectl -o fleet/'],
  },
};

/** The text after `tracewall VERB --help`'s options. */
export function verbHelp(verb: Verb): string {
  const t = TEXT[verb];
  return [
    '',
    'Writes:',
    ...t.writes.map((w) => `  ${w}`),
    '',
    'Exit codes:',
    ...t.codes,
    ...COMMON_CODES,
    '',
    t.examples.length === 1 ? 'Example:' : 'Examples:',
    ...t.examples.map((e) => `  $ ${e}`),
  ].join('\n');
}

/** The text after `tracewall --help`'s verbs. */
export function programHelp(): string {
  return [
    '',
    'Exit codes: 0 success; 1 a check failed (drift, --fail-on reached, runs not',
    'converged, verify found denials); 2 bad input or usage; 3 a needed tool is',
    'missing or not permitted; 70 internal error; 141 stdout/stderr closed early.',
    "record passes the workload's own status through. `tracewall VERB --help` says",
    'what VERB writes.',
    '',
    'Example:',
    '  $ tracewall record -o app.recording.json -- ./my-server',
    '  $ tracewall generate -o profiles/ app.recording.json',
  ].join('\n');
}
