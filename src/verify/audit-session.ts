// Tagging one container run: the runtime is started in a fresh audit session, which every process of the container
// inherits and every audit record carries (ses=N). Session ids are unique per boot, so parallel runs never mix.
import fs from 'node:fs';

/** The "unset" loginuid and session id. */
export const AUDIT_UNSET = 4294967295;

/** What `inAuditSession` gives back: the spawned value and its session id, or why no session could be made. */
export type SessionResult<T> = { value: T; session: number } | { value: T; session: undefined; reason: string };

function readNumber(file: string): number {
  return Number(fs.readFileSync(file, 'utf8').trim());
}

/**
 * Run `spawn` (which must start its child synchronously) in a new audit session: writing this thread's loginuid starts
 * one (keeping the login uid when set, else the real uid). An unset loginuid is unset again afterwards; a set one
 * keeps its value but the thread stays in the new session.
 */
export function inAuditSession<T>(spawn: () => T, procTask = '/proc/thread-self'): SessionResult<T> {
  let original: number;
  let session: number;
  try {
    original = readNumber(`${procTask}/loginuid`);
    const uid = original === AUDIT_UNSET ? (process.getuid?.() ?? 0) : original;
    fs.writeFileSync(`${procTask}/loginuid`, String(uid));
    session = readNumber(`${procTask}/sessionid`);
    if (!Number.isInteger(session) || session === AUDIT_UNSET) throw new Error(`the session id stayed ${session}`);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EPERM'
        ? 'not permitted (needs CAP_AUDIT_CONTROL, and the login uid must not be immutable)'
        : e.message;
    return { value: spawn(), session: undefined, reason: `cannot start an audit session: ${why}` };
  }
  try {
    return { value: spawn(), session };
  } finally {
    if (original === AUDIT_UNSET) {
      try {
        fs.writeFileSync(`${procTask}/loginuid`, String(AUDIT_UNSET));
      } catch {
        /* stays in the session; harmless */
      }
    }
  }
}
