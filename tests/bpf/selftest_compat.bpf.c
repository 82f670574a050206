/*
 * selftest_compat.bpf.c — test object for the kernel features the upstream sched_ext selftests
 * needed (tests/unit/test_selftests.c): three sched_ext_ops variables in one object (the
 * runtime picks one by name, the first by default), scx_bpf_select_cpu_and() from
 * ops.select_cpu() and ops.enqueue(), scx_bpf_select_cpu_dfl() from ops.enqueue(),
 * scx_bpf_dsq_peek(), __COMPAT_scx_bpf_nr_node_ids(), an scx_bpf_exit() code built from
 * enum scx_exit_code. The knob `mode` picks an error path:
 *
 *   0  normal run: select_cpu_and within `allowed` (CPUs 0 and 1), dsq_peek before each move
 *   1  scx_bpf_select_cpu_and() from ops.dispatch() (not allowed: ejected)
 *   2  scx_bpf_select_cpu_and() with prev_cpu 9999 (ejected)
 *   3  scx_bpf_dsq_peek() on SCX_DSQ_GLOBAL (ejected)
 *   4  scx_bpf_dsq_peek() on a DSQ that was never created (ejected)
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u32 mode;

#define SHARED_DSQ 7

private(ST) struct bpf_cpumask __kptr *allowed;

u64 nr_and_picks, nr_and_outside, nr_dfl_enqueue, nr_dfl_idle;
u64 nr_peeks, nr_peek_hits, nr_peek_misses;
u32 nr_nodes;

s32 BPF_STRUCT_OPS(st_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	const struct cpumask *mask = cast_mask(allowed);
	s32 cpu;

	if (!mask)
		return prev_cpu;
	cpu = scx_bpf_select_cpu_and(p, mode == 2 ? 9999 : prev_cpu, wake_flags, mask, 0);
	if (cpu >= 0) {
		__sync_fetch_and_add(&nr_and_picks, 1);
		if (!bpf_cpumask_test_cpu(cpu, mask))
			__sync_fetch_and_add(&nr_and_outside, 1);
		return cpu;
	}
	return prev_cpu;
}

void BPF_STRUCT_OPS(st_enqueue, struct task_struct *p, u64 enq_flags)
{
	bool idle = false;

	scx_bpf_select_cpu_dfl(p, scx_bpf_task_cpu(p), 0, &idle);
	__sync_fetch_and_add(&nr_dfl_enqueue, 1);
	if (idle)
		__sync_fetch_and_add(&nr_dfl_idle, 1);
	scx_bpf_dsq_insert(p, SHARED_DSQ, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(st_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *first;
	s32 pid;

	if (mode == 1) {
		const struct cpumask *mask = cast_mask(allowed);

		if (mask && prev)
			scx_bpf_select_cpu_and(prev, cpu, 0, mask, 0);
	}
	if (mode == 3)
		scx_bpf_dsq_peek(SCX_DSQ_GLOBAL);
	if (mode == 4)
		scx_bpf_dsq_peek(12345);
	__sync_fetch_and_add(&nr_peeks, 1);
	first = scx_bpf_dsq_peek(SHARED_DSQ);
	if (!first) {
		if (scx_bpf_dsq_nr_queued(SHARED_DSQ))
			__sync_fetch_and_add(&nr_peek_misses, 1);
		return;
	}
	pid = first->pid;
	{
		/* the peeked task is the DSQ's first, as its iterator sees it */
		struct bpf_iter_scx_dsq it;
		struct task_struct *t;
		s32 first_pid = -1;

		if (!bpf_iter_scx_dsq_new(&it, SHARED_DSQ, 0)) {
			t = bpf_iter_scx_dsq_next(&it);
			if (t)
				first_pid = t->pid;
		}
		bpf_iter_scx_dsq_destroy(&it);
		__sync_fetch_and_add(first_pid == pid ? &nr_peek_hits : &nr_peek_misses, 1);
	}
	scx_bpf_dsq_move_to_local(SHARED_DSQ);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(st_init)
{
	struct bpf_cpumask *mask = bpf_cpumask_create();

	if (!mask)
		return -ENOMEM;
	bpf_cpumask_set_cpu(0, mask);
	bpf_cpumask_set_cpu(1, mask);
	mask = bpf_kptr_xchg(&allowed, mask);
	if (mask)
		bpf_cpumask_release(mask);
	nr_nodes = __COMPAT_scx_bpf_nr_node_ids();
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

SCX_OPS_DEFINE(st_compat_ops,
	       .select_cpu = (void *)st_select_cpu,
	       .enqueue = (void *)st_enqueue,
	       .dispatch = (void *)st_dispatch,
	       .init = (void *)st_init,
	       .name = "st_compat");

/* Invalid: SCX_OPS_ENQ_LAST without ops.enqueue() (upstream validate_ops). */
SCX_OPS_DEFINE(st_enqlast_ops,
	       .flags = SCX_OPS_ENQ_LAST,
	       .name = "st_enqlast");

/* Leaves on a CPU going offline with an exit code built from enum scx_exit_code. */
void BPF_STRUCT_OPS_SLEEPABLE(st_cpu_offline, s32 cpu)
{
	scx_bpf_exit(SCX_ECODE_ACT_RESTART | SCX_ECODE_RSN_HOTPLUG | cpu, "cpu %d offline", cpu);
}

SCX_OPS_DEFINE(st_hotplug_ops,
	       .cpu_offline = (void *)st_cpu_offline,
	       .name = "st_hotplug");
