/*
 * sched_missing.bpf.c — calls a strong kfunc scxsim does not implement: the load must fail
 * naming the kfunc and the program that calls it.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

s32 scx_bpf_no_such_kfunc(void) __ksym;

void BPF_STRUCT_OPS(missing_enqueue, struct task_struct *p, u64 enq_flags)
{
	scx_bpf_no_such_kfunc();
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SCX_OPS_DEFINE(missing_ops, .enqueue = (void *)missing_enqueue, .name = "missing");
