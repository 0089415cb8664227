// Policy to AppArmor profile, through templates/apparmor.hbs. Every value reaching the template is either tracewall's own
// text, a whitelisted keyword, or a path quoted and escaped by apparmor-escape.ts.
import Handlebars from 'handlebars';
import type { FileAccess } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import type { FileRule, PathPart, Policy } from '../analyze/policy-types.js';
import { compactPattern, patternText } from '../analyze/pattern.js';
import { byCodeUnit } from '../util/json.js';
import { checkProfileName, commentText, quotePattern } from './apparmor-escape.js';
import { selectDenies, type GrantedAccess, type ProtectiveDeny } from './apparmor-denies.js';
import { addressFamilyName, addressFamilyValue, parseNumber } from './seccomp-args.js';
import { quoteForMessage } from '../util/strings.js';

/** Options of renderAppArmor. */
export interface AppArmorOptions {
  /** The text of the Handlebars template (templates/apparmor.hbs, read by the caller). */
  template: string;
}

/** The profile text and what the renderer had to leave out or widen. */
export interface AppArmorResult {
  text: string;
  warnings: string[];
  /** Protective denies left out because an observed access falls inside them. */
  omittedDenies: string[];
  fileRules: number;
}

/** Capabilities AppArmor 3.0 knows (capabilities(7) names without CAP_, lower case). */
export const CAPABILITIES = new Set([
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
]);

/** Address families apparmor_parser 3.0 accepts in `network` rules (AF_ name without prefix, lower case). */
const FAMILIES = new Set([
  'unix',
  'inet',
  'ax25',
  'ipx',
  'appletalk',
  'netrom',
  'bridge',
  'atmpvc',
  'x25',
  'inet6',
  'rose',
  'netbeui',
  'security',
  'key',
  'netlink',
  'packet',
  'ash',
  'econet',
  'atmsvc',
  'rds',
  'sna',
  'irda',
  'pppox',
  'wanpipe',
  'llc',
  'ib',
  'mpls',
  'can',
  'tipc',
  'bluetooth',
  'iucv',
  'rxrpc',
  'isdn',
  'phonet',
  'ieee802154',
  'caif',
  'alg',
  'nfc',
  'vsock',
  'kcm',
  'qipcrtr',
  'smc',
  'xdp',
  'mctp',
]);
const SOCKET_TYPES: Record<string, string> = {
  SOCK_STREAM: 'stream',
  SOCK_DGRAM: 'dgram',
  SOCK_RAW: 'raw',
  SOCK_RDM: 'rdm',
  SOCK_SEQPACKET: 'seqpacket',
  SOCK_PACKET: 'packet',
  '1': 'stream',
  '2': 'dgram',
  '3': 'raw',
  '4': 'rdm',
  '5': 'seqpacket',
  '10': 'packet',
};
const KILL_SYSCALLS = ['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pidfd_send_signal'];

/** Access to AppArmor mode letters in the order r w a l k m ix; "a" is dropped when "w" is there (they conflict); a rename's source needs "rw". stat needs no rule. */
export function accessModes(access: readonly FileAccess[]): string {
  const s = new Set(access);
  const w = ['write', 'create', 'delete', 'rename', 'metadata'].some((a) => s.has(a as FileAccess));
  let m = '';
  // the kernel asks for read as well as write and delete on the source of a rename (apparmor_path_rename)
  if (s.has('read') || s.has('dir-list') || s.has('rename')) m += 'r';
  if (w) m += 'w';
  else if (s.has('append')) m += 'a';
  if (s.has('link')) m += 'l';
  if (s.has('lock')) m += 'k';
  if (s.has('mmap-exec')) m += 'm';
  if (s.has('exec')) m += 'ix';
  return m;
}

/** AppArmor mediates resolved paths: /proc/self/... is seen as /proc/<pid>/..., /proc/thread-self/... as /proc/<pid>/task/<tid>/.... */
export function resolveProcSelf(parts: readonly PathPart[]): { pattern: PathPart[]; changed: boolean } {
  const first = parts[0];
  if (!first || !('lit' in first)) return { pattern: [...parts], changed: false };
  const map: Array<[string, PathPart[]]> = [
    ['/proc/thread-self', [{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/task/' }, { glob: '@{tid}' }]],
    ['/proc/self', [{ lit: '/proc/' }, { glob: '@{pid}' }]],
  ];
  for (const [prefix, repl] of map) {
    if (first.lit === prefix || first.lit.startsWith(`${prefix}/`)) {
      return {
        pattern: compactPattern([...repl, { lit: first.lit.slice(prefix.length) }, ...parts.slice(1)]),
        changed: true,
      };
    }
  }
  return { pattern: [...parts], changed: false };
}

/** `FAMILY TYPE` for a socket fact, or undefined when the family has no AppArmor name. */
function networkRule(family: string, type: string, warn: (m: string) => void): string | undefined {
  const value = addressFamilyValue(family);
  const name = value === undefined ? undefined : addressFamilyName(value).replace(/^AF_/, '').toLowerCase();
  if (!name || !FAMILIES.has(name)) {
    warn(`socket family ${quoteForMessage(family)} has no AppArmor network rule; it is not allowed`);
    return undefined;
  }
  const base = type
    .split('|')
    .map((t) => t.trim())
    .find((t) => t in SOCKET_TYPES || parseNumber(t) !== undefined);
  const aaType =
    base === undefined ? undefined : (SOCKET_TYPES[base] ?? SOCKET_TYPES[String(parseNumber(base)! & 0xf)]);
  if (!aaType) {
    warn(`socket type ${quoteForMessage(type)} of family ${name} is not known; the rule allows every type of ${name}`);
    return name;
  }
  return `${name} ${aaType}`;
}

interface FileLine {
  path: string;
  mode: string;
  notes: Set<string>;
  pattern: PathPart[];
}

/** File rules: /proc/self resolved, quoted and escaped, merged when they render the same path; refusals become warnings. */
function fileLines(rules: readonly FileRule[], warn: (m: string) => void): FileLine[] {
  const lines = new Map<string, FileLine & { access: Set<FileAccess> }>();
  for (const rule of rules) {
    const { pattern, changed } = resolveProcSelf(rule.pattern);
    const label = quoteForMessage(patternText(rule.pattern));
    const quoted = quotePattern(pattern);
    if ('refused' in quoted) {
      warn(`file rule for ${label} refused: ${quoted.refused}`);
      continue;
    }
    quoted.warnings.forEach((w) => warn(`file rule for ${label}: ${w}`));
    const line = lines.get(quoted.text) ?? {
      path: quoted.text,
      mode: '',
      notes: new Set<string>(),
      pattern,
      access: new Set<FileAccess>(),
    };
    rule.access.forEach((a) => line.access.add(a));
    if (rule.generalized)
      line.notes.add(
        `generalized (${rule.generalized.step}) from ${rule.generalized.from.length} observed path${rule.generalized.from.length === 1 ? '' : 's'}`,
      );
    if (changed) line.notes.add('AppArmor sees /proc/self as /proc/<pid>');
    lines.set(quoted.text, line);
  }
  const out: FileLine[] = [];
  for (const key of [...lines.keys()].sort(byCodeUnit)) {
    const l = lines.get(key)!;
    l.mode = accessModes([...l.access]);
    if (l.mode !== '') out.push(l);
  }
  return out;
}

/** Compiled templates by their text (compiling is deterministic; the memo only saves the work). */
const compiled = new Map<string, HandlebarsTemplateDelegate>();
function template(text: string): HandlebarsTemplateDelegate {
  let t = compiled.get(text);
  if (!t) {
    t = Handlebars.create().compile(text, { noEscape: true, strict: true });
    compiled.set(text, t);
  }
  return t;
}

/** Render the AppArmor profile of a policy. Pure: the template text comes in with the options. */
export function renderAppArmor(policy: Policy, opts: AppArmorOptions): AppArmorResult {
  const name = checkProfileName(policy.name);
  const warnings = new Set<string>();
  const warn = (m: string) => warnings.add(m);

  const files = fileLines(policy.files, warn);

  const capabilities: string[] = [];
  for (const c of policy.capabilities) {
    const cap = c.name.replace(/^CAP_/, '').toLowerCase();
    if (CAPABILITIES.has(cap)) capabilities.push(cap);
    else warn(`capability ${quoteForMessage(c.name)} is not known to AppArmor 3.0; it is not allowed`);
  }

  const network = new Set<string>();
  for (const s of policy.network.sockets) {
    const r = networkRule(s.family, s.type, warn);
    if (r) network.add(r);
  }

  const observed = new Set(ABIS.flatMap((abi) => Object.keys(policy.syscalls[abi] ?? {})));
  // The runtime kills the container: unconfined, or under the runc/crun profiles some distributions ship (Ubuntu 24.04).
  const signals = ['signal (receive) peer=unconfined', 'signal (receive) peer={runc,crun}'];
  signals.push(
    KILL_SYSCALLS.some((s) => observed.has(s))
      ? `signal (send, receive) peer=${name}`
      : `signal (receive) peer=${name}`,
  );

  const ptrace = ['deny ptrace (read, trace) peer=unconfined'];
  if (observed.has('ptrace')) {
    ptrace.push(`ptrace (trace, read, tracedby, readby) peer=${name}`);
  } else {
    ptrace.push('deny ptrace (trace)');
    // Reading another process's /proc/<pid> needs ptrace read; /proc/self does not, so only numeric pids observed count.
    if (policy.files.some((f) => f.pattern.some((p) => 'glob' in p && p.glob === '@{pid}')))
      ptrace.push(`ptrace (read, readby) peer=${name}`);
  }

  const granted: GrantedAccess[] = files.map((f) => ({ pattern: f.pattern, modes: f.mode, label: f.path }));
  const { kept, omitted } = selectDenies(granted);
  for (const o of omitted)
    warn(`protective deny ${o.deny.path} ${o.deny.modes} left out: the observed rule ${o.because} falls inside it`);

  const generalized = policy.files.filter((f) => f.generalized).length;
  const header = [
    `recordings: ${policy.sources.join(', ')}`,
    'exec rules use ix: children stay under this profile (px/cx would need more profiles, ux would leave confinement)',
    `${files.length} file rules, ${generalized} of them generalised (see the trailing comments and tracewall's report)`,
  ].map(commentText);

  const view = {
    name,
    header,
    capabilities: [...new Set(capabilities)].sort(byCodeUnit),
    network: [...network].sort(byCodeUnit),
    signals,
    ptrace,
    denies: kept.map((d: ProtectiveDeny) => ({ path: d.path, modes: d.modes, why: commentText(d.why) })),
    omittedDenies: omitted.map((o) => ({ path: o.deny.path, modes: o.deny.modes, why: commentText(o.deny.why) })),
    files: files.map((f) => ({
      path: f.path,
      mode: f.mode,
      note: commentText([...f.notes].sort(byCodeUnit).join('; ')),
    })),
  };
  const text = template(opts.template)(view);
  return {
    text,
    warnings: [...warnings].sort(byCodeUnit),
    omittedDenies: omitted.map((o) => `deny ${o.deny.path} ${o.deny.modes}`),
    fileRules: files.length,
  };
}
