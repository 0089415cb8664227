// Capabilities and sockets against a profile's capability and network rules. A bare `capability,` / `network,` allows
// (or, with deny, denies) the whole class; a network protocol keyword stands for the type apparmor_parser maps it to
// (tcp: stream, udp: dgram, icmp: raw, for inet and inet6), since the kernel's table is by family and type.
import type { CompiledProfile } from '../apparmor/compile.js';
import type { AaRule } from '../apparmor/rules.js';
import { byCodeUnit } from '../util/json.js';
import { originFields, type Accesses } from './apparmor-accesses.js';
import type { AppArmorDenial } from './apparmor-types.js';

type NetworkRule = AaRule & { kind: 'network' };
const PROTOCOL_TYPES: Readonly<Record<string, string>> = { tcp: 'stream', udp: 'dgram', icmp: 'raw' };

/** Whether a network rule covers a socket of this domain and type. */
export function networkRuleCovers(rule: NetworkRule, domain: string, type: string | undefined): boolean {
  if (rule.domain !== undefined && rule.domain !== domain) return false;
  if (rule.type !== undefined && rule.type !== type) return false;
  if (rule.protocol !== undefined)
    return (domain === 'inet' || domain === 'inet6') && PROTOCOL_TYPES[rule.protocol] === type;
  return true;
}

function where(r: AaRule): string {
  return `${r.where.file}:${r.where.line}`;
}

function capabilityDenials(accesses: Accesses, profile: CompiledProfile): AppArmorDenial[] {
  const out: AppArmorDenial[] = [];
  for (const need of accesses.capabilities.values()) {
    const covers = (r: AaRule & { kind: 'capability' }) => r.names.length === 0 || r.names.includes(need.key);
    const deny = profile.capabilities.filter((r) => r.q.deny && covers(r));
    const allow = profile.capabilities.filter((r) => !r.q.deny && covers(r));
    if (deny.length === 0 && allow.length > 0) continue;
    out.push({
      kind: 'capability',
      subject: need.key,
      mode: 'capability',
      condition: 'denied',
      needs: [...need.needs].sort(byCodeUnit),
      deniedBy: deny.map((r) => `${where(r)}: deny capability ${r.names.join(' ')}`.trimEnd()),
      notes: [],
      ...originFields(need.origin),
    });
  }
  return out;
}

function networkDenials(accesses: Accesses, profile: CompiledProfile): AppArmorDenial[] {
  const out: AppArmorDenial[] = [];
  for (const need of accesses.sockets.values()) {
    const deny = profile.network.filter((r) => r.q.deny && networkRuleCovers(r, need.domain, need.type));
    const allow = profile.network.filter((r) => !r.q.deny && networkRuleCovers(r, need.domain, need.type));
    if (deny.length === 0 && allow.length > 0) continue;
    const text = (r: NetworkRule) => ['deny network', r.domain, r.type, r.protocol].filter(Boolean).join(' ');
    out.push({
      kind: 'network',
      subject: need.key,
      mode: 'network',
      condition: 'denied',
      needs: [...need.needs].sort(byCodeUnit),
      deniedBy: deny.map((r) => `${where(r)}: ${text(r)}`),
      notes:
        need.type === undefined
          ? ['the socket type is not one AppArmor names: only a rule without a type allows it']
          : [],
      ...originFields(need.origin),
    });
  }
  return out;
}

/** Denied capabilities and sockets. */
export function checkOthers(accesses: Accesses, profile: CompiledProfile): AppArmorDenial[] {
  return [...capabilityDenials(accesses, profile), ...networkDenials(accesses, profile)];
}
