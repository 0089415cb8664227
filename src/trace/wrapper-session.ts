// One recording session of the wrapper runtime: a private directory where the engine writes the container id (cidfile)
// and the wrapper writes the runtime's config.json copy, strace's log, pid and exit status.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The files of one session. */
export interface WrapperSession {
  dir: string;
  /** The engine's --cidfile: it writes the container id here before the runtime's create. */
  cidFile: string;
  /** strace's log, written by the wrapper's strace. */
  logFile: string;
  /** The OCI config.json the engine handed the runtime, copied at create. */
  configFile: string;
}

/** A new, empty session directory (root only) in the wrapper's sessions directory; sessions of dead recorders are removed. */
export function openSession(sessionsDir: string): WrapperSession {
  pruneSessions(sessionsDir);
  const dir = path.join(sessionsDir, `s-${process.pid}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return {
    dir,
    cidFile: path.join(dir, 'cid'),
    logFile: path.join(dir, 'strace.log'),
    configFile: path.join(dir, 'config.json'),
  };
}

/** Remove sessions whose `tracewall record` (the pid in the name) is gone and whose strace has ended or never began. */
function pruneSessions(sessionsDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(sessionsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^s-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (!pid || fs.existsSync(`/proc/${pid}`)) continue;
    const dir = path.join(sessionsDir, name);
    const s: WrapperSession = { dir, cidFile: '', logFile: '', configFile: '' };
    if (sessionClaimed(s) && tracerStatus(s) === undefined) killTracer(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A session for `verify`: the wrapper runs the container's runtime in an audit session of its own, and says which. */
export function openAuditSession(sessionsDir: string): WrapperSession {
  const s = openSession(sessionsDir);
  fs.writeFileSync(path.join(s.dir, 'audit'), '');
  return s;
}

/** The audit session the wrapper started for a verify session, or why there is none. */
export function sessionAudit(s: WrapperSession): { session: number } | { session: undefined; reason: string } {
  try {
    const n = Number(fs.readFileSync(path.join(s.dir, 'session'), 'utf8').trim());
    if (Number.isInteger(n) && n > 0 && n !== 4294967295) return { session: n };
  } catch {
    // not written
  }
  let why = '';
  try {
    why = fs.readFileSync(path.join(s.dir, 'session.err'), 'utf8').trim();
  } catch {
    /* none */
  }
  return {
    session: undefined,
    reason:
      why ||
      (sessionClaimed(s)
        ? 'the wrapper runtime did not say which audit session it started'
        : "the container's runtime never ran through tracewall's wrapper"),
  };
}

/** The container id the engine wrote, once it has. */
export function sessionContainerId(s: WrapperSession): string | undefined {
  try {
    const id = fs.readFileSync(s.cidFile, 'utf8').trim();
    return /^[0-9a-f]{12,128}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the wrapper took this session (the container's create ran under strace). */
export function sessionClaimed(s: WrapperSession): boolean {
  return fs.existsSync(path.join(s.dir, 'claimed'));
}

/** strace's exit status once it has ended, else undefined. */
export function tracerStatus(s: WrapperSession): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(s.dir, 'strace.status'), 'utf8').trim());
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** What strace printed on stderr (attach failures), trimmed. */
export function tracerErrors(s: WrapperSession): string {
  try {
    return fs.readFileSync(path.join(s.dir, 'strace.err'), 'utf8').trim();
  } catch {
    return '';
  }
}

/** Resolve true once strace has ended (its last tracee, the container, is gone), false after timeoutMs. */
export async function waitForTracer(s: WrapperSession, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (tracerStatus(s) === undefined) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** SIGKILL the session's strace if it still runs (checked by name, so a reused pid is left alone). */
export function killTracer(s: WrapperSession): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(s.dir, 'strace.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return;
    if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'strace') return;
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

/** Remove the session directory and everything in it. */
export function closeSession(s: WrapperSession): void {
  fs.rmSync(s.dir, { recursive: true, force: true });
}
