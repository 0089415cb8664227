#!/usr/bin/env bash
# Installs what tracewall and its tests need, only what is missing: Debian packages (as root) and npm dependencies.
# Safe to run again; quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# command-or-file : Debian package
needs=(
  "strace:strace"
  "crun:crun"
  "runc:runc"
  "busybox:busybox-static"
  "apparmor_parser:apparmor"
  "unshare:util-linux"
  "nginx:nginx-light"
  "redis-server:redis-server"
  "redis-cli:redis-tools"
  "docker:docker.io"
  "dockerd:docker.io"
  "containerd:containerd"
  "podman:podman"
  "mmdebstrap:mmdebstrap"
  "auditd:auditd"
  "bpftrace:bpftrace"
  "ip:iproute2"
  "nsenter:util-linux"
  "gcc:gcc"
  "as:binutils"
  "objdump:binutils"
  "readelf:binutils"
  "strip:binutils"
  "hyperfine:hyperfine"
  "jq:jq"
  "clang:clang"
  "llvm-strip:llvm"
  "bpftool:bpftool"
  "/usr/include/bpf/libbpf.h:libbpf-dev"
  "/usr/include/x86_64-linux-gnu/asm/unistd_64.h:linux-libc-dev"
  "/usr/include/x86_64-linux-gnu/bits/socket.h:libc6-dev"
)
missing=()
for entry in "${needs[@]}"; do
  what=${entry%%:*}; pkg=${entry##*:}
  if [[ $what == /* ]]; then [[ -e $what ]] && continue
  else command -v "$what" >/dev/null 2>&1 && continue
  fi
  # busybox-static ships /bin/busybox; a dynamic busybox does not serve container rootfs
  missing+=("$pkg")
done
if [[ -x /bin/busybox ]] && ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
  missing+=(busybox-static)
fi

if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" file >/dev/null
    # the packaged services are not wanted running; tests start their own
    for svc in nginx redis-server; do
      if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
    done
  else
    echo "bootstrap: missing system tools; install these Debian packages as root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 3
  fi
fi

# auditd carries seccomp SCMP_ACT_LOG records for `verify` without the kernel log's rate limit; the Debian package does
# not start it where there is no init system.
if [[ $(id -u) -eq 0 ]] && command -v auditd >/dev/null 2>&1; then
  pid=$(auditctl -s 2>/dev/null | awk '/^pid /{print $2}')
  if [[ -z $pid || $pid == 0 || ! -d /proc/$pid ]]; then auditd && echo "bootstrap: started auditd"; fi
  auditctl -b 8192 >/dev/null 2>&1 || true
fi

# tracewall's eBPF recorder (the ebpf tracer), built from source against this kernel's BTF into dist/ebpf/
bash scripts/build-ebpf.sh || echo "bootstrap: the ebpf tracer was not built (see above); strace and bpftrace still work" >&2

# npm dependencies (node-pty builds from source with node-gyp; package.json allows its install script)
if [[ ! -d node_modules/.bin || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "bootstrap: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
