// The profile options `generate` and `check` share (what to render and how).
import { Command, Option } from 'commander';
import { DEFAULT_ACTIONS, LAYER_RUNTIMES, ON_OFF, SECCOMP_FORMATS, SPO_API_VERSIONS } from '../choices.js';

/** Adds --name, --format, --runtime, --default-action, --apparmor-annotation and --nnp to `cmd`. */
export function addProfileOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', "profile name (default: the first recording's name)")
    .addOption(
      new Option(
        '--format <format>',
        'seccomp profile format: docker (JSON), oci (linux.seccomp of config.json) or spo (security-profiles-operator SeccompProfile, YAML)',
      )
        .choices(SECCOMP_FORMATS)
        .default('docker'),
    )
    .addOption(
      new Option(
        '--runtime <runtime>',
        "runtime layer to add (default: the recordings' runtime, none for commands)",
      ).choices(LAYER_RUNTIMES),
    )
    .addOption(
      new Option(
        '--default-action <action>',
        'seccomp default action for unobserved syscalls (log allows everything: a complain profile)',
      )
        .choices(DEFAULT_ACTIONS)
        .default('errno'),
    )
    .option('--apparmor-annotation', 'also emit the pre-1.30 AppArmor pod annotation in the Kubernetes YAML')
    .addOption(
      new Option(
        '--nnp <on|off>',
        'whether the container runs with no_new_privs (decides the runtime layer; default: on only when every recording was a container with noNewPrivileges)',
      ).choices(ON_OFF),
    )
    .addOption(
      new Option(
        '--spo-api-version <version>',
        "with --format spo: the apiVersion the operator serves (default: v1, the operator's newest; v1beta1 for releases before it, with AppArmorProfile at v1alpha1)",
      ).choices(SPO_API_VERSIONS),
    )
    .option(
      '--spo-namespace <namespace>',
      'with --format spo, for operators that keep profiles per namespace (releases before the v1 API): the namespace; the Pod then refers to operator/NAMESPACE/NAME.json',
    );
}
