/*
 * simple — one queue for the whole machine, ordered by weighted virtual time (default) or
 * first-in first-out (knob fifo_sched=1).
 *
 * Policy: every runnable task waits in one shared DSQ. In vtime mode a task's position is its
 * dsq_vtime, which grows by the time it ran scaled by 100 / weight (weight 100 = nice 0), so
 * over time each task gets CPU in proportion to its weight; a task that slept may not come back
 * with more than one slice of credit (it is placed no earlier than vtime_now - slice). In FIFO
 * mode tasks are served in arrival order and weights are ignored. A waking task that finds an
 * idle CPU (the default idle selection) goes straight to that CPU's local DSQ.
 *
 * What it demonstrates: the smallest useful sched_ext scheduler — select_cpu with
 * scx_bpf_select_cpu_dfl, direct dispatch to SCX_DSQ_LOCAL, a user DSQ in vtime or FIFO order,
 * scx_bpf_dsq_move_to_local from dispatch, the running/stopping/enable state callbacks, per-CPU
 * statistics in a map for the user half (local vs global dispatches), and UEI exit info.
 *
 * Limits: one global queue is a contention point on big real machines and ignores caches and
 * NUMA; vtime is tracked loosely (vtime_now is the largest running vtime seen); with only one
 * task of each weight on a CPU, dispatch alternates them (see tests/unit/test_scx.c).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile bool fifo_sched;               /* knob: FIFO instead of weighted vtime */
const volatile u64 slice_ns = SCX_SLICE_DFL;  /* knob: time slice given to every task */

#define SHARED_DSQ 0

UEI_DEFINE(uei);

/* [0]: tasks sent straight to an idle CPU's local DSQ, [1]: tasks queued in SHARED_DSQ */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 2);
} stats SEC(".maps");

static u64 vtime_now;

static void count(u32 idx)
{
	u64 *n = bpf_map_lookup_elem(&stats, &idx);

	if (n)
		(*n)++;
}

s32 BPF_STRUCT_OPS(simple_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle) {
		count(0);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(simple_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	count(1);
	if (fifo_sched) {
		scx_bpf_dsq_insert(p, SHARED_DSQ, slice_ns, enq_flags);
		return;
	}
	if (time_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(simple_dispatch, s32 cpu, struct task_struct *prev)
{
	scx_bpf_dsq_move_to_local(SHARED_DSQ);
}

void BPF_STRUCT_OPS(simple_running, struct task_struct *p)
{
	if (!fifo_sched && time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(simple_stopping, struct task_struct *p, bool runnable)
{
	if (fifo_sched)
		return;
	/* charge what it used of its slice, scaled by 100 / weight */
	p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(simple_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(simple_init)
{
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

void BPF_STRUCT_OPS(simple_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(simple_ops,
	       .select_cpu = (void *)simple_select_cpu,
	       .enqueue = (void *)simple_enqueue,
	       .dispatch = (void *)simple_dispatch,
	       .running = (void *)simple_running,
	       .stopping = (void *)simple_stopping,
	       .enable = (void *)simple_enable,
	       .init = (void *)simple_init,
	       .exit = (void *)simple_exit,
	       .name = "simple");
