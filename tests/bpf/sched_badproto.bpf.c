/*
 * sched_badproto.bpf.c — declares scx_bpf_kick_cpu with a prototype that differs from
 * scxsim's (u32 flags instead of u64), without scx/common.bpf.h: the load must fail naming the
 * kfunc and the differing argument.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

void scx_bpf_kick_cpu(s32 cpu, u32 flags) __ksym;

SEC("struct_ops/bp_enqueue")
void BPF_PROG(bp_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_kick_cpu(0, 0);
}

SEC(".struct_ops.link")
struct sched_ext_ops bp_ops = { .enqueue = (void *)bp_enqueue, .name = "badproto" };
