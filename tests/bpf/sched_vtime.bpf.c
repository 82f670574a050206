/*
 * sched_vtime.bpf.c — a global weighted-vtime scheduler for the BPF runtime's tests, written
 * against scheds/include like upstream's scx_simple in vtime mode: every task goes into one
 * user DSQ ordered by p->scx.dsq_vtime; a task that runs for t ns is charged t * 100 / weight
 * of virtual time, so runtime shares follow weights; a task that slept is not credited more
 * than one slice. Idle CPUs found by select_cpu get the task directly (local DSQ).
 *
 * It also exercises the runtime: a per-CPU array map of counters, a hash map keyed by pid,
 * .rodata knobs, .bss/.data globals, bpf_for, CO-RE reads of task fields, UEI.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile bool direct_idle = true;

#define SHARED_DSQ 42

static u64 vtime_now;
u64 nr_enqueued, nr_dispatched, nr_direct, nr_init_tasks, nr_exit_tasks;
u32 last_cpu_seen = 0xffffffff;
UEI_DEFINE(uei);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
} stats SEC(".maps");

struct task_ctx {
	u64 runs;
	s32 pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, s32);
	__type(value, struct task_ctx);
} tctx SEC(".maps");

static void stat_inc(u32 idx)
{
	u64 *cnt = bpf_map_lookup_elem(&stats, &idx);

	if (cnt)
		(*cnt)++;
}

static bool before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}

s32 BPF_STRUCT_OPS(vt_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &idle);

	if (idle && direct_idle) {
		stat_inc(0);
		__sync_fetch_and_add(&nr_direct, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	}
	return cpu;
}

void BPF_STRUCT_OPS(vt_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	stat_inc(1);
	__sync_fetch_and_add(&nr_enqueued, 1);
	if (before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, slice_ns, vtime, enq_flags);
}

void BPF_STRUCT_OPS(vt_dispatch, s32 cpu, struct task_struct *prev)
{
	last_cpu_seen = bpf_get_smp_processor_id();
	if (scx_bpf_dsq_move_to_local(SHARED_DSQ))
		__sync_fetch_and_add(&nr_dispatched, 1);
}

void BPF_STRUCT_OPS(vt_running, struct task_struct *p)
{
	struct task_ctx *tc;
	s32 pid = p->pid;

	if (before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
	tc = bpf_map_lookup_elem(&tctx, &pid);
	if (tc)
		tc->runs++;
}

void BPF_STRUCT_OPS(vt_stopping, struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (slice_ns - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(vt_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS(vt_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	struct task_ctx tc = { .runs = 0, .pid = p->pid };
	s32 pid = p->pid;

	__sync_fetch_and_add(&nr_init_tasks, 1);
	return bpf_map_update_elem(&tctx, &pid, &tc, BPF_NOEXIST);
}

void BPF_STRUCT_OPS(vt_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	s32 pid = p->pid;

	__sync_fetch_and_add(&nr_exit_tasks, 1);
	bpf_map_delete_elem(&tctx, &pid);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(vt_init)
{
	s32 cpu, n = 0;

	bpf_for(cpu, 0, scx_bpf_nr_cpu_ids())
		n++;
	if (n != (s32)scx_bpf_nr_cpu_ids())
		return -EINVAL;
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

void BPF_STRUCT_OPS(vt_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(vtime_ops,
	       .select_cpu = (void *)vt_select_cpu,
	       .enqueue = (void *)vt_enqueue,
	       .dispatch = (void *)vt_dispatch,
	       .running = (void *)vt_running,
	       .stopping = (void *)vt_stopping,
	       .enable = (void *)vt_enable,
	       .init_task = (void *)vt_init_task,
	       .exit_task = (void *)vt_exit_task,
	       .init = (void *)vt_init,
	       .exit = (void *)vt_exit,
	       .timeout_ms = 5000,
	       .name = "bpf_vtime");
