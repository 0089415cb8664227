// The wrapper runtime: a small sh script an engine (dockerd, podman) calls instead of runc/crun. For the one container a
// `tracewall record` session asked for, it runs the real runtime's `create` under `strace -p` so the container's init and
// entrypoint are traced from their start; every other call passes straight through to the real runtime.
import { straceArgs } from './strace.js';

/** The line that marks a file as tracewall's wrapper: only such a file (or none) is ever written over. */
export const WRAPPER_MARKER = '# tracewall wrapper runtime, format 1';

/** What the script is made of. */
export interface WrapperSpec {
  /** Absolute path of the real runtime (runc or crun). */
  realRuntime: string;
  /** Absolute path of strace. */
  strace: string;
  /** Directory holding one subdirectory per recording session (see wrapper-session.ts). */
  sessionsDir: string;
  /**
   * cgroup2 mount points to detach in a private mount namespace before running the runtime (crun on a hybrid host
   * refuses the layout otherwise); empty to run it as is. Needs `unshare` at this absolute path.
   */
  hideCgroup2?: { unshare: string; mounts: string[] };
}

/** Quote for sh: one single-quoted word. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const LOG_MARK = '\u0000log\u0000';

/** The strace invocation of a wrapper: tracewall's flags, its log in the session directory "$s". */
export function straceCommand(): string {
  return straceArgs(LOG_MARK, { pidns: true })
    .map((a) => (a === LOG_MARK ? '"$s/strace.log"' : shQuote(a)))
    .join(' ');
}

/**
 * The lines (inside an if, session directory "$s", bundle "$bundle") that copy the bundle's config.json into the session and
 * put this shell under strace, which keeps following the runtime it becomes and that runtime's container; `after` runs
 * once strace has ended (the container is gone).
 */
export function traceSelf(strace: string, after: string): string {
  return `  cp "$bundle/config.json" "$s/config.json.tmp" && mv "$s/config.json.tmp" "$s/config.json"
  # strace attaches to this shell, which then becomes the runtime; its stdio and the engine's pipes stay out of it
  (
    exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
    printf '# tracewall: started %s\\n' "$(date +%s.%6N)" > "$s/strace.log"
    "$STRACE" ${strace} -p $$ &
    echo $! > "$s/strace.pid"
    wait $!
    echo $? > "$s/strace.status.tmp"
    printf '# tracewall: ended %s\\n' "$(date +%s.%6N)" >> "$s/strace.log"
    mv "$s/strace.status.tmp" "$s/strace.status"
${after}  ) </dev/null >/dev/null 2>"$s/strace.err" &
  n=0
  until grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/$$/status 2>/dev/null; do
    n=$((n + 1))
    if [ -f "$s/strace.status" ] || [ $n -gt 1000 ]; then
      echo "tracewall wrapper runtime: strace did not attach to the runtime: $(cat "$s/strace.err" 2>/dev/null)" >&2
      exit 1
    fi
    sleep 0.01
  done
`;
}

/** The lines that read the runtime's arguments: the first of `commands` given (cmd), --bundle (bundle), the last argument (id). */
export function readArgs(commands: string): string {
  return `cmd= bundle= id= prev=
for a in "$@"; do
  case $prev in --bundle|-b) bundle=$a ;; esac
  case $a in
    --bundle=*) bundle=\${a#--bundle=} ;;
    ${commands}) [ -n "$cmd" ] || cmd=$a ;;
  esac
  prev=$a
  id=$a
done
`;
}

/** The script text; pure, so tests can read it and the file is only rewritten when it changes. */
export function wrapperScript(spec: WrapperSpec): string {
  const strace = straceCommand();
  const hide = spec.hideCgroup2 && spec.hideCgroup2.mounts.length > 0 ? spec.hideCgroup2 : undefined;
  const run = hide
    ? `exec ${shQuote(hide.unshare)} --mount --propagation private -- /bin/sh -c ${shQuote(`${hide.mounts.map((m) => `umount -l ${shQuote(m)}`).join(' && ')} && exec "$@"`)} sh "$REAL" "$@"`
    : 'exec "$REAL" "$@"';
  return `#!/bin/sh
${WRAPPER_MARKER}
# Written by tracewall (record/verify --docker / --podman) and rewritten by it; edits are lost. Every call runs the real
# runtime below; a \`create\` or \`run\` of a container whose id a recording session holds in SESSIONS/*/cid runs it
# under strace, which keeps following the container's init after this process exits and writes the session's log
# (a verify session, marked SESSIONS/*/audit, runs it in an audit session of its own instead).
REAL=${shQuote(spec.realRuntime)}
STRACE=${shQuote(spec.strace)}
SESSIONS=${shQuote(spec.sessionsDir)}
${readArgs('create|run')}s=
if [ -n "$cmd" ] && [ -n "$bundle" ] && [ -d "$SESSIONS" ]; then
  for d in "$SESSIONS"/*/; do
    [ -f "\${d}cid" ] || continue
    [ "$(cat "\${d}cid")" = "$id" ] || continue
    # a session traces one create only (a restarted container runs untraced)
    mkdir "\${d}claimed" 2>/dev/null && s=\${d%/}
    break
  done
fi
if [ -n "$s" ] && [ -f "$s/audit" ]; then
  # verify: the runtime, and so the container, run in an audit session of their own, which every record of theirs
  # carries (ses=N); writing the login uid starts it
  if printf %s "$(id -u)" 2>/dev/null > /proc/self/loginuid; then
    cat /proc/self/sessionid > "$s/session.tmp" && mv "$s/session.tmp" "$s/session"
  else
    echo "cannot start an audit session: writing /proc/self/loginuid was refused" > "$s/session.err"
  fi
elif [ -n "$s" ]; then
${traceSelf(strace, '')}fi
${run}
`;
}
