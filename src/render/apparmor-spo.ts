// The AppArmor profile as a security-profiles-operator AppArmorProfile resource. The operator takes an abstract form
// (allowed executables, libraries, read-only / write-only / read-write paths, TCP/UDP/raw, capabilities) and writes the
// profile itself, so this is coarser than NAME.apparmor: what the form cannot say is listed in the header and reported.
import YAML from 'yaml';
import type { FileRule, PathPart, Policy } from '../analyze/policy-types.js';
import { patternText } from '../analyze/pattern.js';
import { byCodeUnit } from '../util/json.js';
import { CAPABILITIES, resolveProcSelf } from './apparmor.js';
import { spoApiVersions, spoMetadata, type SpoTarget } from './spo.js';
import { quoteForMessage } from '../util/strings.js';

/** Literal path text the operator's schema accepts (its globs and @{VAR} come from tracewall's own globs only). */
const SAFE_LITERAL = /^[A-Za-z0-9_./+@ -]*$/;

/** What a path pattern becomes in the operator's form, or undefined when a literal has a character it refuses. */
function spoPath(parts: readonly PathPart[]): string | undefined {
  let out = '';
  for (const p of parts) {
    // tracewall's globs (*, **, ?, @{pid}, @{tid}) are all in the operator's alphabet; literals must be too.
    if ('glob' in p) out += p.glob;
    else if (SAFE_LITERAL.test(p.lit)) out += p.lit;
    else return undefined;
  }
  return out.startsWith('/') ? out : undefined;
}

interface Lists {
  executables: Set<string>;
  libraries: Set<string>;
  readOnly: Set<string>;
  writeOnly: Set<string>;
  readWrite: Set<string>;
}

const WRITES = ['write', 'create', 'delete', 'rename', 'metadata', 'append'];

function addFile(rule: FileRule, lists: Lists, left: { paths: string[]; modes: Set<string> }): void {
  const path = spoPath(resolveProcSelf(rule.pattern).pattern);
  const a = new Set<string>(rule.access);
  if (path === undefined) {
    left.paths.push(quoteForMessage(patternText(rule.pattern)));
    return;
  }
  if (a.has('exec')) lists.executables.add(path);
  if (a.has('mmap-exec')) lists.libraries.add(path);
  const r = a.has('read') || a.has('dir-list');
  const w = WRITES.some((x) => a.has(x));
  if (r && w) lists.readWrite.add(path);
  else if (r) lists.readOnly.add(path);
  else if (w) lists.writeOnly.add(path);
  if (a.has('link')) left.modes.add('link');
  if (a.has('lock')) left.modes.add('lock');
}

function sorted(s: Set<string>): string[] | undefined {
  return s.size === 0 ? undefined : [...s].sort(byCodeUnit);
}

/** The network part: TCP and UDP over inet/inet6, raw for SOCK_RAW and packet sockets; the rest cannot be said. */
function network(policy: Policy, unsaid: Set<string>): Record<string, unknown> | undefined {
  let tcp = false;
  let udp = false;
  let raw = false;
  for (const s of policy.network.sockets) {
    const inet = s.family === 'AF_INET' || s.family === 'AF_INET6';
    if (s.family === 'AF_PACKET' || /SOCK_RAW/.test(s.type)) raw = true;
    else if (inet && /SOCK_STREAM/.test(s.type)) tcp = true;
    else if (inet && /SOCK_DGRAM/.test(s.type)) udp = true;
    else unsaid.add(`${s.family} ${s.type}`);
  }
  const protocols = { ...(tcp ? { allowTcp: true } : {}), ...(udp ? { allowUdp: true } : {}) };
  if (!raw && !tcp && !udp) return undefined;
  return { ...(raw ? { allowRaw: true } : {}), ...(tcp || udp ? { allowedProtocols: protocols } : {}) };
}

/** The AppArmorProfile resource (YAML) and warnings for what its abstract form could not express. */
export function renderApparmorSpo(policy: Policy, target: SpoTarget): { text: string; warnings: string[] } {
  const lists: Lists = {
    executables: new Set(),
    libraries: new Set(),
    readOnly: new Set(),
    writeOnly: new Set(),
    readWrite: new Set(),
  };
  const left = { paths: [] as string[], modes: new Set<string>() };
  policy.files.forEach((f) => addFile(f, lists, left));
  const unsaidSockets = new Set<string>();
  const net = network(policy, unsaidSockets);
  const caps = policy.capabilities.map((c) => c.name.replace(/^CAP_/, '').toLowerCase());
  const knownCaps = [...new Set(caps.filter((c) => CAPABILITIES.has(c)))].sort(byCodeUnit);

  const executable = { allowedExecutables: sorted(lists.executables), allowedLibraries: sorted(lists.libraries) };
  const filesystem = {
    readOnlyPaths: sorted(lists.readOnly),
    writeOnlyPaths: sorted(lists.writeOnly),
    readWritePaths: sorted(lists.readWrite),
  };
  const abstract = JSON.parse(
    JSON.stringify({
      executable,
      filesystem,
      network: net,
      capability: knownCaps.length > 0 ? { allowedCapabilities: knownCaps } : undefined,
    }),
  ) as Record<string, unknown>;
  const resource = {
    apiVersion: spoApiVersions(target.apiVersion).apparmor,
    kind: 'AppArmorProfile',
    metadata: spoMetadata(policy.name, target),
    spec: { abstract },
  };
  const warnings = [
    ...(left.paths.length > 0
      ? [
          `${left.paths.length} path${left.paths.length === 1 ? '' : 's'} left out of the AppArmorProfile: the operator takes only A-Z a-z 0-9 _ . / + @ - and spaces in paths (e.g. ${left.paths[0]})`,
        ]
      : []),
    ...(left.modes.size > 0
      ? [
          `the AppArmorProfile cannot express the ${[...left.modes].sort(byCodeUnit).join(' and ')} modes some paths needed`,
        ]
      : []),
    ...[...unsaidSockets]
      .sort(byCodeUnit)
      .map((s) => `the AppArmorProfile cannot express socket ${s}: the operator allows TCP, UDP and raw sockets only`),
  ];
  const doc = new YAML.Document(resource);
  doc.commentBefore = [
    `tracewall: AppArmor profile "${policy.name}" for the security-profiles-operator, from recordings: ${policy.sources.join(', ')}`,
    "The operator's abstract form is coarser than the .apparmor file: no link or lock modes, the operator's own",
    "deny rules instead of tracewall's, sockets as TCP/UDP/raw only. Load the .apparmor file where that matters.",
    ...warnings,
  ]
    .map((l) => ` ${l.replace(/[^\x20-\x7e]/g, '?')}`)
    .join('\n');
  return { text: doc.toString({ lineWidth: 0 }), warnings };
}
