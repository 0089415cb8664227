#!/bin/sh
# Installs Node.js 20 into the image as the project's machines have it: the `nodejs` package of NodeSource's APT
# repository (nodesource.sources, signed by nodesource.gpg, both copied from those machines). A nodejs_*.deb placed
# next to this script is installed instead: that is how the image is built where NodeSource cannot be reached (the
# tests repack the machine's own installed package with dpkg-repack). Extra Debian packages to install are arguments.
set -eu
here=$(dirname "$0")
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if ls "$here"/nodejs_*.deb >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends "$here"/nodejs_*.deb "$@"
else
  apt-get install -y -qq --no-install-recommends ca-certificates
  install -m 0644 "$here/nodesource.gpg" /usr/share/keyrings/nodesource.gpg
  install -m 0644 "$here/nodesource.sources" /etc/apt/sources.list.d/nodesource.sources
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs "$@"
fi
rm -rf /var/lib/apt/lists/*
node --version
