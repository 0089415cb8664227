// The argument facts a Recording keeps per syscall (socket domain/type/protocol, clone flags, prctl option, ...), named
// from the operation's values.
import type { Effect } from '../model/operations.js';
import {
  cloneFlagSetName,
  ioctlName,
  nstypeName,
  personalityName,
  prctlName,
  symName,
  type BigSym,
} from '../syscalls/values.js';
import { socketFact } from './effects-net.js';

/** Clone flags as the Recording keeps them (sorted names without the exit signal); a printed name list kept as is. */
export function cloneFlagsFact(v: BigSym): string {
  if (typeof v === 'bigint') return cloneFlagSetName(v);
  const flags = v.split('|').filter((f) => f !== '' && f !== '0' && !/^SIG[A-Z0-9_+]+$/.test(f));
  return flags.length === 0 ? '0' : [...new Set(flags)].sort().join('|');
}

/** The argument facts of one call's effect, by key (empty values left out). */
export function argumentFacts(e: Effect): Array<[string, string]> {
  switch (e.kind) {
    case 'socket': {
      const s = socketFact(e);
      return [
        ['domain', s.family],
        ['type', s.type],
        ['protocol', s.protocol],
      ];
    }
    case 'clone':
      return e.flags === null ? [] : [['flags', cloneFlagsFact(e.flags)]];
    case 'unshare':
      return [['flags', cloneFlagsFact(e.flags)]];
    case 'setns':
      return [['nstype', symName(e.nstype, nstypeName)]];
    case 'prctl':
      return [['option', symName(e.option, prctlName)]];
    case 'personality':
      return [['persona', symName(e.persona, personalityName)]];
    case 'ioctl':
      return [['request', symName(e.request, ioctlName)]];
    default:
      return [];
  }
}
