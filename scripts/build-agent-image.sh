#!/usr/bin/env bash
# Builds the agent image (deploy/Containerfile) with podman where no registry serves debian:bookworm-slim (this
# project's machines and CI reach Debian's packages and npm only): the base is a minbase Debian 12 rootfs made by
# mmdebstrap and `podman import`ed, and Node.js is this machine's own (NodeSource's nodejs package, which the image
# would otherwise fetch, and the npm it was upgraded to) packed as a .deb. The rootfs tar and the repacked package are kept in
# TRACEWALL_IMAGE_CACHE (default /var/cache/tracewall-test) and podman keeps its layers, so a rebuild is quick.
# Usage: scripts/build-agent-image.sh [TAG]   (root; apt-get install podman mmdebstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-localhost/tracewall-agent:latest}
cache=${TRACEWALL_IMAGE_CACHE:-/var/cache/tracewall-test}
base=localhost/tracewall-debian:bookworm-minbase
mkdir -p "$cache"

if ! podman image exists "$base"; then
  rootfs=$cache/debian-bookworm-minbase.tar
  if [[ ! -s $rootfs ]]; then
    mmdebstrap --quiet --variant=minbase --format=tar bookworm "$rootfs.tmp" \
      "deb http://deb.debian.org/debian bookworm main" \
      "deb http://deb.debian.org/debian bookworm-updates main" \
      "deb http://deb.debian.org/debian-security bookworm-security main"
    mv "$rootfs.tmp" "$rootfs"
  fi
  podman import --quiet "$rootfs" "$base" >/dev/null
fi

# Node.js as this machine has it: the files of its nodejs package, and its npm as upgraded in place (dpkg-repack would
# pack only the files dpkg lists, a broken mix of two npm versions), as a package of the same name and version.
version=$(dpkg-query -W -f='${Version}' nodejs)
npm_version=$(npm --version)
deb=$cache/nodejs_${version}+npm${npm_version}_amd64.deb
if [[ ! -s $deb ]]; then
  work=$(mktemp -d)
  mkdir -p "$work/pkg/DEBIAN"
  dpkg -L nodejs | while read -r f; do
    if [[ -L $f || -f $f ]] && [[ $f != /usr/lib/node_modules/npm/* ]]; then echo "${f#/}"; fi
  done >"$work/files"
  echo usr/lib/node_modules/npm >>"$work/files"
  tar -C / -cf - -T "$work/files" | tar -C "$work/pkg" -xf -
  dpkg-query -s nodejs | grep -v -e '^Status:' -e '^Installed-Size:' >"$work/pkg/DEBIAN/control"
  dpkg-deb --root-owner-group -Zxz -z1 --build "$work/pkg" "$deb.tmp" >/dev/null
  mv "$deb.tmp" "$deb"
  rm -rf "$work"
fi

# the build context: what the Containerfile copies, and the repacked nodejs next to install-node.sh
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp -r package.json package-lock.json tsconfig.json bin scripts src templates deploy "$ctx/"
cp "$deb" "$ctx/deploy/image/"
args=(--network host --build-arg "BASE_IMAGE=$base")
# the CA of a TLS-intercepting proxy that this machine's node trusts, for npm inside the build (mounted, not copied)
if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -r $NODE_EXTRA_CA_CERTS ]]; then
  args+=(--volume "$NODE_EXTRA_CA_CERTS:/run/tracewall-build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/tracewall-build-ca.crt)
fi
# crun refuses this machine's hybrid cgroup layout; no systemd to manage cgroups
podman --runtime runc --cgroup-manager cgroupfs build "${args[@]}" -f "$ctx/deploy/Containerfile" -t "$tag" "$ctx"
