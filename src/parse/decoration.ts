// strace -yy fd decorations (`3</etc/passwd>`, `4<TCP:[127.0.0.1:80]>`, `0</dev/null<char 1:3>>`): finding their end and reading them.
import { codeAt } from './chars.js';
import { findStringEnd, unescapeRange } from './cstring.js';

/** What an fd decoration says about the descriptor. */
export type FdInfo =
  | { kind: 'path'; path: string; invalidUtf8: boolean; device: string | null }
  | {
      kind: 'socket';
      proto: string;
      local: string | null;
      remote: string | null;
      unixPath: string | null;
      invalidUtf8: boolean;
    }
  | { kind: 'other'; text: string };

/**
 * Index of the `>` that closes the decoration opened by the `<` at `lt`, or -1 when it does not close before `limit`.
 * Paths escape `<`/`>` (as \74/\76), so in a path a raw `<` starts the nested device note; socket decorations
 * hold `->` inside brackets and may quote unix paths.
 */
export function decorationEnd(s: string, lt: number, limit = s.length): number {
  let i = lt + 1;
  if (codeAt(s, i, limit) === 47 /* / */) {
    while (i < limit) {
      const c = s.charCodeAt(i);
      if (c === 92) {
        i += 2;
        continue;
      }
      if (c === 60 /* < */) {
        const j = s.indexOf('>', i);
        if (j < 0 || j >= limit) return -1;
        i = j + 1;
        continue;
      }
      if (c === 62 /* > */) return i;
      i++;
    }
    return -1;
  }
  let depth = 0;
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (c === 34) {
      const q = findStringEnd(s, i, limit);
      if (q < 0) return -1;
      i = q + 1;
      continue;
    }
    if (c === 91) depth++;
    else if (c === 93) depth--;
    else if (c === 62 && depth <= 0) return i;
    i++;
  }
  return -1;
}

const SOCKET_FAMILY: Record<string, string> = {
  TCP: 'AF_INET',
  UDP: 'AF_INET',
  UDPLITE: 'AF_INET',
  RAW: 'AF_INET',
  SCTP: 'AF_INET',
  MPTCP: 'AF_INET',
  L2TP: 'AF_INET',
  TCPv6: 'AF_INET6',
  UDPv6: 'AF_INET6',
  UDPLITEv6: 'AF_INET6',
  RAWv6: 'AF_INET6',
  SCTPv6: 'AF_INET6',
  MPTCPv6: 'AF_INET6',
  UNIX: 'AF_UNIX',
  'UNIX-STREAM': 'AF_UNIX',
  'UNIX-DGRAM': 'AF_UNIX',
  'UNIX-SEQPACKET': 'AF_UNIX',
  NETLINK: 'AF_NETLINK',
  PACKET: 'AF_PACKET',
};

/** The address family strace's socket protocol label stands for (TCP → AF_INET), or null. */
export function familyOfProto(proto: string): string | null {
  return SOCKET_FAMILY[proto] ?? null;
}

/** Read the content between the outer `<` and `>` of a decoration. */
export function decodeDecoration(raw: string): FdInfo {
  if (codeAt(raw, 0) === 47) {
    // A path, possibly followed by a raw `<char M:N>` / `<block M:N>` device note.
    let end = raw.length;
    let device: string | null = null;
    for (let i = 0; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c === 92) {
        i++;
        continue;
      }
      if (c === 60) {
        end = i;
        const close = raw.lastIndexOf('>');
        device = raw.slice(i + 1, close > i ? close : raw.length);
        break;
      }
    }
    const { text, invalidUtf8 } = unescapeRange(raw, 0, end);
    return { kind: 'path', path: text, invalidUtf8, device };
  }
  const colon = raw.indexOf(':[');
  if (colon > 0 && raw.endsWith(']')) {
    const proto = raw.slice(0, colon);
    if (familyOfProto(proto) === null && !/^[A-Z][A-Za-z0-9-]*$/.test(proto)) return { kind: 'other', text: raw };
    const body = raw.slice(colon + 2, -1);
    return { kind: 'socket', proto, ...socketBody(body) };
  }
  return { kind: 'other', text: raw };
}

function socketBody(body: string): {
  local: string | null;
  remote: string | null;
  unixPath: string | null;
  invalidUtf8: boolean;
} {
  // UNIX: `INODE`, `INODE,"path"`, `INODE,@"abstract"`, `INODE->PEER`; inet: `INODE`, `ADDR:PORT`, `ADDR:PORT->ADDR:PORT`.
  const comma = body.indexOf(',');
  if (comma >= 0) {
    let q = comma + 1;
    let abstract = false;
    if (codeAt(body, q) === 64 /* @ */) {
      abstract = true;
      q++;
    }
    if (codeAt(body, q) === 34) {
      const close = findStringEnd(body, q);
      const { text, invalidUtf8 } = unescapeRange(body, q + 1, close < 0 ? body.length : close);
      return { local: null, remote: null, unixPath: (abstract ? '@' : '') + text, invalidUtf8 };
    }
  }
  if (/^\d+(->\d+)?$/.test(body)) return { local: null, remote: null, unixPath: null, invalidUtf8: false };
  const arrow = body.indexOf('->');
  const local = arrow >= 0 ? body.slice(0, arrow) : body;
  const remote = arrow >= 0 ? body.slice(arrow + 2) : null;
  return { local, remote, unixPath: null, invalidUtf8: false };
}

/** Split `127.0.0.1:80` or `[::1]:80` into address and port; null when it is not that shape. */
export function splitHostPort(text: string): { address: string; port: number } | null {
  let address: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return null;
    address = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    address = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port <= 65535 ? { address, port } : null;
}
