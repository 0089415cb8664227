// The floor of any recorder built like tracewall's: programs on tp_btf sys_enter and sys_exit that return at once.
// bench/ebpf-nginx.mjs builds it (with attach.c) at bench time and measures a workload with it attached, next to the
// same workload untraced and recorded, so the bench shows how much of the cost is the hooks themselves.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
