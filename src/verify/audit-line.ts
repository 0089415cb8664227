// Parsing one kernel SECCOMP audit record, as auditd writes it (type=SECCOMP, raw or enriched) or the kernel logs it (type=1326).
import type { SeccompRecord } from './types.js';

const HEADER = /(?:^|\s)type=(?:SECCOMP|1326)\s+(?:msg=)?audit\((\d+)\.(\d+):(\d+)\):\s?(.*)$/;
const FIELD = /([A-Za-z_][A-Za-z0-9_-]*)=("([^"]*)"|\S+)/g;
/** auditd's ENRICHED format appends interpreted fields after a group separator. */
const ENRICHED_SEPARATOR = '\x1d';

/** Audit writes an untrusted string (comm, exe) as unquoted hex when it holds a space, quote or control character. */
function untrusted(raw: string): string {
  if (raw.startsWith('"')) return raw.slice(1, -1);
  if (/^(?:[0-9A-F]{2})+$/.test(raw)) return Buffer.from(raw, 'hex').toString('utf8');
  return raw;
}

function fields(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of body.matchAll(FIELD)) if (!out.has(m[1]!)) out.set(m[1]!, m[2]!);
  return out;
}

function int(value: string | undefined, radix: 10 | 16): number | undefined {
  if (value === undefined) return undefined;
  const text = radix === 16 ? value.replace(/^0x/i, '') : value;
  if (!(radix === 16 ? /^[0-9a-f]+$/i : /^-?\d+$/).test(text)) return undefined;
  const n = parseInt(text, radix);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The SECCOMP record on a line of audit.log or of the kernel log, or undefined for any other line. */
export function parseSeccompLine(line: string): SeccompRecord | undefined {
  if (!line.includes('type=SECCOMP') && !line.includes('type=1326')) return undefined;
  const head = HEADER.exec(line.split(ENRICHED_SEPARATOR, 1)[0]!);
  if (!head) return undefined;
  const f = fields(head[4]!);
  const pid = int(f.get('pid'), 10);
  const arch = int(f.get('arch'), 16);
  const syscall = int(f.get('syscall'), 10);
  const code = int(f.get('code'), 16);
  if (pid === undefined || arch === undefined || syscall === undefined || code === undefined) return undefined;
  return {
    serial: Number(head[3]),
    time: Number(`${head[1]}.${head[2]}`),
    pid,
    ses: int(f.get('ses'), 10) ?? 4294967295,
    auid: int(f.get('auid'), 10) ?? 4294967295,
    uid: int(f.get('uid'), 10) ?? -1,
    comm: untrusted(f.get('comm') ?? '"?"'),
    exe: untrusted(f.get('exe') ?? '"?"'),
    arch,
    syscall,
    code,
    sig: int(f.get('sig'), 10) ?? 0,
  };
}
