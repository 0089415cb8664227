// Network effects of syscalls: socket triples, bound/connected/listening endpoints, and the capabilities they imply.
import type { EndpointFact } from '../recording/types.js';
import { asString, field, flagSet, valueText, type Arg, type ArgValue } from '../parse/args.js';
import { familyOfProto, splitHostPort } from '../parse/decoration.js';
import type { SyscallEvent } from '../parse/events.js';
import type { Facts, Proc } from './from-strace-state.js';

/** The base socket type of `SOCK_STREAM|SOCK_CLOEXEC` (flags dropped). */
export function baseSocketType(v: ArgValue | undefined): string {
  const parts = flagSet(v).filter((f) => f !== 'SOCK_CLOEXEC' && f !== 'SOCK_NONBLOCK');
  return parts.length > 0 ? parts.join('|') : valueText(v);
}

function port(v: ArgValue | undefined): number {
  // htons(80) → 80
  if (v && v.t === 'call' && v.args.length > 0) return port(v.args[0]!.value);
  if (v && v.t === 'word' && /^\d+$/.test(v.text)) {
    const n = Number(v.text);
    return n <= 65535 ? n : 0;
  }
  return 0;
}

/** A sockaddr struct as strace prints it, as an endpoint; null when it is not one. */
export function endpointOf(v: ArgValue | undefined): EndpointFact | null {
  if (!v || v.t !== 'struct') return null;
  const fam = field(v.fields, 'sa_family');
  if (!fam || fam.t !== 'word') return null;
  const family = fam.text === 'AF_LOCAL' || fam.text === 'AF_FILE' ? 'AF_UNIX' : fam.text;
  if (family === 'AF_INET') {
    const addr = field(v.fields, 'sin_addr');
    const s = addr && addr.t === 'call' ? asString(addr.args[0]?.value) : null;
    return { family, address: s ? s.text : '', port: port(field(v.fields, 'sin_port')) };
  }
  if (family === 'AF_INET6') {
    let address = '';
    for (const f of v.fields) {
      if (f.key === null && f.value.t === 'call' && f.value.name === 'inet_pton')
        address = asString(f.value.args[1]?.value)?.text ?? '';
      if (f.key === 'sin6_addr')
        address = asString(f.value.t === 'call' ? f.value.args[1]?.value : f.value)?.text ?? address;
    }
    return { family, address, port: port(field(v.fields, 'sin6_port')) };
  }
  if (family === 'AF_UNIX') {
    const s = asString(field(v.fields, 'sun_path'));
    return { family, address: s ? (s.abstract ? '@' : '') + s.text : '', port: 0 };
  }
  return { family, address: '', port: 0 };
}

/** The local endpoint a -yy socket decoration shows (`TCP:[127.0.0.1:80]`, `UNIX-STREAM:[1,"/run/s"]`). */
export function decoEndpoint(v: ArgValue | undefined): EndpointFact | null {
  if (!v || v.t !== 'fd' || v.info.kind !== 'socket') return null;
  const family = familyOfProto(v.info.proto);
  if (family === null) return null;
  if (v.info.unixPath !== null) return { family, address: v.info.unixPath, port: 0 };
  if (v.info.local !== null) {
    const hp = splitHostPort(v.info.local);
    if (hp) return { family, address: hp.address, port: hp.port };
  }
  return null;
}

function fdKey(v: ArgValue | undefined): string | null {
  return v && (v.t === 'fd' || v.t === 'word') ? (v.t === 'fd' ? v.fd : v.text) : null;
}

function rawSocketReason(family: string, type: string): boolean {
  return (
    family === 'AF_PACKET' ||
    ((family === 'AF_INET' || family === 'AF_INET6') && type.split('|').includes('SOCK_RAW')) ||
    type.split('|').includes('SOCK_PACKET')
  );
}

/** Apply one network call; `ok` is success, facts null when not recorded. Returns true when the name was a network call. */
export function netCall(ev: SyscallEvent, args: Arg[], proc: Proc, ok: boolean, facts: Facts | null): boolean {
  const v = (i: number): ArgValue | undefined => args[i]?.value;
  switch (ev.name) {
    case 'socket':
    case 'socketpair': {
      if (!ok || !facts) return true;
      const family = valueText(v(0));
      const type = baseSocketType(v(1));
      facts.socket({ family, type, protocol: valueText(v(2)) });
      if (rawSocketReason(family, type)) facts.cap('CAP_NET_RAW', `socket(${family}, ${type})`);
      return true;
    }
    case 'bind': {
      if (!ok) return true;
      const ep = endpointOf(v(1));
      if (!ep) return true;
      const fd = fdKey(v(0));
      if (fd !== null) proc.bound.set(fd, ep);
      if (!facts) return true;
      facts.endpoint(facts.bind, ep);
      if ((ep.family === 'AF_INET' || ep.family === 'AF_INET6') && ep.port > 0 && ep.port < 1024) {
        facts.cap('CAP_NET_BIND_SERVICE', `bind(${ep.family}, port ${ep.port})`);
      }
      if (ep.family === 'AF_UNIX' && ep.address.startsWith('/')) facts.file(ep.address, 'create');
      return true;
    }
    case 'connect': {
      if (!facts || !(ok || ev.errno === 'EINPROGRESS')) return true;
      const ep = endpointOf(v(1));
      if (!ep || ep.family === 'AF_UNSPEC') return true;
      facts.endpoint(facts.connect, ep);
      if (ep.family === 'AF_UNIX' && ep.address.startsWith('/')) facts.file(ep.address, 'write');
      return true;
    }
    case 'sendto': {
      if (!facts || !ok) return true;
      const ep = endpointOf(v(4));
      if (ep && ep.family !== 'AF_UNSPEC') facts.endpoint(facts.connect, ep);
      return true;
    }
    case 'sendmsg': {
      if (!facts || !ok) return true;
      const msg = v(1);
      const ep = msg && msg.t === 'struct' ? endpointOf(field(msg.fields, 'msg_name')) : null;
      if (ep && ep.family !== 'AF_UNSPEC') facts.endpoint(facts.connect, ep);
      return true;
    }
    case 'listen': {
      if (!facts || !ok) return true;
      const fd = fdKey(v(0));
      const ep = decoEndpoint(v(0)) ?? (fd !== null ? (proc.bound.get(fd) ?? null) : null);
      if (ep) facts.endpoint(facts.listen, ep);
      else {
        const d = v(0);
        const family = d && d.t === 'fd' && d.info.kind === 'socket' ? familyOfProto(d.info.proto) : null;
        if (family) facts.endpoint(facts.listen, { family, address: '', port: 0 });
      }
      return true;
    }
    default:
      return false;
  }
}
