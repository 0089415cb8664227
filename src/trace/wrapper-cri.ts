// The wrapper runtime for a CRI runtime handler (containerd's `runtimes.NAME` with `options.BinaryName`, which a
// RuntimeClass selects): the same script mechanism as the engines' wrapper, but no recording session waits for it. Every
// container (not pod sandbox) the handler creates runs its `create` under strace; when strace ends with the container,
// the wrapper's background shell runs tracewall's finisher, which writes the recording where the node keeps them. Each
// such container also runs in an audit session of its own, so that `verify --pod` can tie kernel records to it.
import { readArgs, shQuote, straceCommand, traceSelf, WRAPPER_MARKER } from './wrapper-runtime.js';

/** What the script is made of. */
export interface CriWrapperSpec {
  /** Absolute path of the real runtime (runc). */
  realRuntime: string;
  /** Absolute path of strace. */
  strace: string;
  /** Directory of the per-container sessions (root only). */
  sessionsDir: string;
  /** The finisher's argv; the session directory is appended. */
  finish: string[];
}

/** The script text; pure, so tests can read it and the file is only rewritten when it changes. */
export function criWrapperScript(spec: CriWrapperSpec): string {
  // the shim runs this in the bundle directory, which is gone once the container is deleted
  const finish = `    cd / && ${spec.finish.map(shQuote).join(' ')} "$s" > "$s/finish.log" 2>&1\n`;
  return `#!/bin/sh
${WRAPPER_MARKER}
# Written by \`tracewall runtime install --containerd\` and rewritten by it; edits are lost. containerd's shim calls it as
# runc. A \`create\` of a Kubernetes container (its OCI config carries the CRI's container-type annotation "container",
# a pod sandbox's says "sandbox") runs under strace, which follows the container to its end; then tracewall's
# finisher turns the session (SESSIONS/cri-ID: config.json, strace.log) into a recording. Every other call is runc's.
REAL=${shQuote(spec.realRuntime)}
STRACE=${shQuote(spec.strace)}
SESSIONS=${shQuote(spec.sessionsDir)}
${readArgs('create')}s=
if [ "$cmd" = create ] && [ -n "$bundle" ] &&
  grep -Eq '"io\\.kubernetes\\.(cri\\.container-type|cri-o\\.ContainerType)": *"container"' "$bundle/config.json" 2>/dev/null; then
  case $id in
    *[!A-Za-z0-9_.-]*) ;;
    *) mkdir -p -m 700 "$SESSIONS" && s="$SESSIONS/cri-$id" && rm -rf "$s" && mkdir -m 700 "$s" || s= ;;
  esac
fi
if [ -n "$s" ]; then
  # an audit session of the container's own (writing the login uid starts one): every kernel record of its processes
  # carries ses=N, which tracewall verify --pod reads from SESSIONS/cri-ID/session
  if printf %s "$(id -u)" 2>/dev/null > /proc/self/loginuid; then
    cat /proc/self/sessionid > "$s/session.tmp" && mv "$s/session.tmp" "$s/session"
  fi
${traceSelf(straceCommand(), finish)}fi
exec "$REAL" "$@"
`;
}
