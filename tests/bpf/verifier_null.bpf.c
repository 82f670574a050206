/*
 * verifier_null.bpf.c — the `__nullable` arguments of sched_ext ops (the kernel's cfi stubs
 * in kernel/sched/ext.c: ops.dispatch's `prev`, ops.yield's `to`) used without a NULL check:
 * the kernel's verifier rejects both programs (the sched_ext selftests maybe_null_fail_dsp and
 * maybe_null_fail_yld); tests/unit/test_verifier.c asserts scxsim's messages. vn_enqueue's
 * `p` is not nullable: accepted. Never run.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

u64 vtime_seen;
u32 pid_seen;

void BPF_STRUCT_OPS(vn_enqueue, struct task_struct *p, u64 enq_flags)
{
	vtime_seen = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(vn_dispatch, s32 cpu, struct task_struct *prev)
{
	vtime_seen = prev->scx.dsq_vtime; /* VN_DSP: prev may be NULL */
}

bool BPF_STRUCT_OPS(vn_yield, struct task_struct *from, struct task_struct *to)
{
	pid_seen = to->pid; /* VN_YLD: to may be NULL */
	return false;
}

SCX_OPS_DEFINE(verifier_null_ops,
	       .enqueue = (void *)vn_enqueue,
	       .dispatch = (void *)vn_dispatch,
	       .yield = (void *)vn_yield,
	       .name = "verifier_null");
