// Network effects of operations: socket triples, bound/connected/listening endpoints, and the capabilities they imply.
import type { EndpointFact, SocketFact } from '../recording/types.js';
import type { Effect, Endpoint } from '../model/operations.js';
import { familyName, protocolName, socketBaseTypeName, symName, type Sym } from '../syscalls/values.js';
import type { CallContext } from './effects-files.js';

type EffectOf<K extends Effect['kind']> = Extract<Effect, { kind: K }>;

/** A socket type as the Recording keeps it: the base type without SOCK_CLOEXEC/SOCK_NONBLOCK. */
export function socketTypeFact(type: Sym): string {
  if (typeof type === 'number') return socketBaseTypeName(type);
  const parts = type.split('|').filter((f) => f !== 'SOCK_CLOEXEC' && f !== 'SOCK_NONBLOCK');
  return parts.length > 0 ? parts.join('|') : type;
}

/** The socket triple of a socket/socketpair call as the Recording names it. */
export function socketFact(e: EffectOf<'socket'>): SocketFact {
  const family = symName(e.family, familyName);
  const protocol =
    typeof e.protocol === 'number' && typeof e.family === 'number'
      ? protocolName(e.family, e.protocol)
      : String(e.protocol);
  return { family, type: socketTypeFact(e.type), protocol };
}

/** An endpoint as the Recording names it. */
export function endpointFact(e: Endpoint): EndpointFact {
  return { family: symName(e.family, familyName), address: e.address, port: e.port };
}

function isRawSocket(family: string, type: string): boolean {
  const types = type.split('|');
  return (
    family === 'AF_PACKET' ||
    ((family === 'AF_INET' || family === 'AF_INET6') && types.includes('SOCK_RAW')) ||
    types.includes('SOCK_PACKET')
  );
}

/** socket/socketpair: the triple, and CAP_NET_RAW for raw and packet sockets. */
export function socketEffect(c: CallContext, e: EffectOf<'socket'>): void {
  if (!c.ok || !c.facts) return;
  const s = socketFact(e);
  c.facts.socket(s);
  if (isRawSocket(s.family, s.type)) c.facts.cap('CAP_NET_RAW', `socket(${s.family}, ${s.type})`);
}

/** bind: the address (kept per fd for listen), CAP_NET_BIND_SERVICE below 1024, a unix socket file created. */
export function bindEffect(c: CallContext, e: EffectOf<'bind'>): void {
  if (!c.ok || !e.addr) return;
  const ep = endpointFact(e.addr);
  if (e.fd.key !== null) c.proc.bound.set(e.fd.key, ep);
  if (!c.facts) return;
  c.facts.endpoint(c.facts.bind, ep);
  if ((ep.family === 'AF_INET' || ep.family === 'AF_INET6') && ep.port > 0 && ep.port < 1024) {
    c.facts.cap('CAP_NET_BIND_SERVICE', `bind(${ep.family}, port ${ep.port})`);
  }
  if (ep.family === 'AF_UNIX' && ep.address.startsWith('/')) c.facts.file(ep.address, 'create');
}

/** connect (also a connect in progress), sendto/sendmsg with an address: the peer, a unix socket file written. */
export function connectEffect(c: CallContext, e: EffectOf<'connect'>, errno: string): void {
  if (!c.facts || !e.addr) return;
  if (!(c.ok || (!e.viaSend && errno === 'EINPROGRESS'))) return;
  const ep = endpointFact(e.addr);
  if (ep.family === 'AF_UNSPEC') return;
  c.facts.endpoint(c.facts.connect, ep);
  if (!e.viaSend && ep.family === 'AF_UNIX' && ep.address.startsWith('/')) c.facts.file(ep.address, 'write');
}

/** listen: the local address the fd shows, or the one it was bound to, or at least its family. */
export function listenEffect(c: CallContext, e: EffectOf<'listen'>): void {
  if (!c.facts || !c.ok) return;
  const local = e.fd.socket?.local ?? null;
  const ep = local ? endpointFact(local) : e.fd.key !== null ? (c.proc.bound.get(e.fd.key) ?? null) : null;
  if (ep) c.facts.endpoint(c.facts.listen, ep);
  else if (e.fd.socket?.family !== null && e.fd.socket?.family !== undefined) {
    c.facts.endpoint(c.facts.listen, { family: symName(e.fd.socket.family, familyName), address: '', port: 0 });
  }
}
