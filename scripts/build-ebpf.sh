#!/usr/bin/env bash
# Builds tracewall's eBPF recorder from source (src/trace/ebpf/): the CO-RE program against this kernel's BTF, its
# libbpf skeleton, and the loader that embeds it, into dist/ebpf/tracewall-ebpf. Run by scripts/bootstrap.sh (the
# project's install step); never at record time. Needs clang, bpftool, libbpf-dev (bootstrap installs them).
# Prints why and exits 0 without a loader where the kernel has no BTF (tracewall then says so and uses another tracer).
set -euo pipefail
cd "$(dirname "$0")/.."
src=src/trace/ebpf
outdir=dist/ebpf
btf=${TRACEWALL_BTF:-/sys/kernel/btf/vmlinux}
mkdir -p "$outdir"
if [[ ! -r $btf ]]; then
  echo "build-ebpf: no kernel BTF at $btf: the ebpf tracer is not built" >&2
  rm -f "$outdir/tracewall-ebpf"
  exit 0
fi
# up to date: nothing newer than the loader among its sources
if [[ -x $outdir/tracewall-ebpf && -z $(find "$src" "$0" -newer "$outdir/tracewall-ebpf" -print -quit) ]]; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bpftool btf dump file "$btf" format c >"$work/vmlinux.h"
clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I"$work" -I"$src" -c "$src/tracewall.bpf.c" -o "$work/tracewall.bpf.o"
bpftool gen skeleton "$work/tracewall.bpf.o" name tracewall_bpf >"$work/tracewall.skel.h"
cc -O2 -g -Wall -I"$work" -I"$src" "$src/loader.c" -o "$work/tracewall-ebpf" -lbpf
mv "$work/tracewall-ebpf" "$outdir/tracewall-ebpf"
echo "build-ebpf: built $outdir/tracewall-ebpf"
