/*
 * more_v3.bpf.c — a scheduler written with the v3 (seed patchset) names, for
 * tests/unit/test_bpf_more.c: ops.prep_enable, ops.enable(p, args) and ops.cancel_enable (no
 * ops.exit_task), the v3
 * ops.consume callback calling scx_bpf_consume(), and scx_bpf_dispatch() /
 * scx_bpf_dispatch_vtime() into one user DSQ (knob `vt` selects vtime order: a task's vtime is
 * 1000000 - pid, so higher pids go first). No ops.dispatch: ops.consume alone feeds the CPUs.
 * Run with SCX_OPS_SWITCH_PARTIAL: the SCHED_OTHER and rt tasks are prepared but never
 * enabled, so each gets ops.cancel_enable when it exits.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define V3_DSQ 6

const volatile bool vt = false;

u64 n_prep, n_enable, n_disable, n_cancel, n_cg_bad, n_consume_op, n_consumed;
u64 n_running_ext, n_vt_order_bad, n_vt_value_bad;
s32 cancelled_pids[4];
static u64 last_vtime;

s32 BPF_STRUCT_OPS_SLEEPABLE(v3_init)
{
	return scx_bpf_create_dsq(V3_DSQ, -1);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(v3_prep_enable, struct task_struct *p, struct scx_enable_args *args)
{
	n_prep++;
	if (args->cgroup != p->tg)
		n_cg_bad++;
	return 0;
}

/* with prep_enable or cancel_enable in the object, .enable is the v3 enable(p, args) */
void BPF_STRUCT_OPS(v3_enable, struct task_struct *p, struct scx_enable_args *args)
{
	n_enable++;
	if (args->cgroup != p->tg)
		n_cg_bad++;
}

void BPF_STRUCT_OPS_SLEEPABLE(v3_cancel_enable, struct task_struct *p, struct scx_enable_args *args)
{
	if (n_cancel < 4)
		cancelled_pids[n_cancel] = p->pid;
	n_cancel++;
	if (args->cgroup != p->tg)
		n_cg_bad++;
}

void BPF_STRUCT_OPS(v3_disable, struct task_struct *p)
{
	n_disable++;
}

void BPF_STRUCT_OPS(v3_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (vt)
		scx_bpf_dispatch_vtime(p, V3_DSQ, SCX_SLICE_DFL, 1000000 - p->pid, enq_flags);
	else
		scx_bpf_dispatch(p, V3_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(v3_consume, s32 cpu)
{
	n_consume_op++;
	if (scx_bpf_consume(V3_DSQ))
		n_consumed++;
}

void BPF_STRUCT_OPS(v3_running, struct task_struct *p)
{
	u64 v = p->scx.dsq_vtime;

	n_running_ext++;
	if (!vt)
		return;
	if (v != 1000000 - p->pid)
		n_vt_value_bad++;
	if (v < last_vtime)
		n_vt_order_bad++;
	last_vtime = v;
}

SCX_OPS_DEFINE(v3_ops,
	       .init = (void *)v3_init,
	       .prep_enable = (void *)v3_prep_enable,
	       .enable = (void *)v3_enable,
	       .cancel_enable = (void *)v3_cancel_enable,
	       .disable = (void *)v3_disable,
	       .enqueue = (void *)v3_enqueue,
	       .consume = (void *)v3_consume,
	       .running = (void *)v3_running,
	       .flags = SCX_OPS_SWITCH_PARTIAL,
	       .name = "more_v3");
