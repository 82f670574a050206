/*
 * sched_badproto.bpf.c — declares scx_bpf_kick_cpu with a prototype that differs from
 * scxsim's (u32 flags instead of u64): the load must fail naming the kfunc and the argument.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

void scx_bpf_kick_cpu___bad(s32 cpu, u32 flags) __ksym;
s32 scx_bpf_no_such_kfunc(void) __ksym;
const volatile bool use_missing;

void BPF_STRUCT_OPS(bp_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (use_missing)
		scx_bpf_no_such_kfunc();
	scx_bpf_kick_cpu___bad(0, 0);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(bp_ops, .enqueue = (void *)bp_enqueue, .name = "badproto");
