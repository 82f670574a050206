/*
 * central — one CPU makes every scheduling decision; the others just run what they are given,
 * tickless, with infinite slices.
 *
 * Policy: wake-ups are steered to the central CPU (knob central_cpu, default 0). ops.enqueue
 * puts the task's pid in one FIFO queue. When another CPU runs out of work its ops.dispatch
 * only raises a "gimme" flag and kicks the central CPU; the central CPU's ops.dispatch then
 * hands each waiting CPU the first queued task allowed there, inserted into that CPU's local
 * DSQ with SCX_SLICE_INF (so that CPU needs no tick), and kicks it. The central CPU runs tasks
 * itself with a finite slice. The preemption clock is a BPF timer pinned to the central CPU
 * (every timer_ns, default 1 ms, as upstream's scx_central): while tasks wait, a task that has
 * run longer than slice_ns on another CPU is preempted with SCX_KICK_PREEMPT.
 *
 * What it demonstrates: centralized scheduling (the approach that cuts tail latency for
 * dispersive service times in the literature), SCX_DSQ_LOCAL_ON, SCX_SLICE_INF and tickless
 * CPUs, kicks with and without SCX_KICK_PREEMPT, per-CPU state in global arrays, a pinned
 * BPF timer that re-arms itself from its callback.
 *
 * Limits: the central CPU is a bottleneck on large machines; tasks pinned away from every
 * waiting CPU wait for the central CPU itself; MAX_CPUS bounds the machine size.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 1024
#define FALLBACK_DSQ 0

const volatile s32 central_cpu;
const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile u64 timer_ns = 1000000;

UEI_DEFINE(uei);

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8192);
	__type(value, u32);
} central_q SEC(".maps");

struct central_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct central_timer);
} central_timer SEC(".maps");

bool gimme[MAX_CPUS];        /* CPU asked the central CPU for work */
u64 started_at[MAX_CPUS];    /* when its current task started; 0 = idle */
u64 nr_total, nr_queued, nr_dispatched, nr_preempts, nr_mismatches, nr_central_runs, nr_timers;
static u32 nr_waiting;

s32 BPF_STRUCT_OPS(central_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	return central_cpu;
}

void BPF_STRUCT_OPS(central_enqueue, struct task_struct *p, u64 enq_flags)
{
	u32 pid = p->pid;

	__sync_fetch_and_add(&nr_total, 1);
	if (bpf_map_push_elem(&central_q, &pid, 0)) {
		scx_bpf_dsq_insert(p, FALLBACK_DSQ, slice_ns, enq_flags);
		return;
	}
	nr_waiting++;
	__sync_fetch_and_add(&nr_queued, 1);
	if (bpf_get_smp_processor_id() != central_cpu)
		scx_bpf_kick_cpu(central_cpu, SCX_KICK_PREEMPT);
}

/* Pop queued tasks until one may run on cpu; others go to the fallback DSQ. */
static bool give_task(s32 cpu, bool local)
{
	bpf_repeat(32) {
		struct task_struct *p;
		u32 pid;

		if (bpf_map_pop_elem(&central_q, &pid))
			return false;
		if (nr_waiting)
			nr_waiting--;
		p = bpf_task_from_pid(pid);
		if (!p)
			continue;
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr)) {
			__sync_fetch_and_add(&nr_mismatches, 1);
			scx_bpf_dsq_insert(p, FALLBACK_DSQ, slice_ns, 0);
			bpf_task_release(p);
			continue;
		}
		if (local)
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
		else
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, SCX_SLICE_INF, 0);
		bpf_task_release(p);
		__sync_fetch_and_add(&nr_dispatched, 1);
		return true;
	}
	return false;
}

void BPF_STRUCT_OPS(central_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 nr = scx_bpf_nr_cpu_ids();

	if (cpu != central_cpu) {
		/* not ours to decide: ask, and take what the fallback DSQ has meanwhile */
		if (cpu >= 0 && cpu < MAX_CPUS)
			gimme[cpu] = true;
		scx_bpf_kick_cpu(central_cpu, 0);
		scx_bpf_dsq_move_to_local(FALLBACK_DSQ);
		return;
	}
	for (s32 i = 0; i < MAX_CPUS && i < (s32)nr; i++) {
		if (i == central_cpu || !gimme[i])
			continue;
		if (scx_bpf_dispatch_nr_slots() <= 1)
			break;
		if (!give_task(i, false))
			break;
		gimme[i] = false;
		scx_bpf_kick_cpu(i, SCX_KICK_IDLE);
	}
	if (scx_bpf_dsq_move_to_local(FALLBACK_DSQ))
		return;
	if (give_task(cpu, true))
		__sync_fetch_and_add(&nr_central_runs, 1);
}

void BPF_STRUCT_OPS(central_running, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);

	if (cpu >= 0 && cpu < MAX_CPUS)
		started_at[cpu] = bpf_ktime_get_ns() ?: 1;
}

void BPF_STRUCT_OPS(central_stopping, struct task_struct *p, bool runnable)
{
	s32 cpu = scx_bpf_task_cpu(p);

	if (cpu >= 0 && cpu < MAX_CPUS)
		started_at[cpu] = 0;
}

/* The preemption clock: runs on the central CPU every timer_ns, re-arming itself. */
static int central_timerfn(void *map, u32 *key, struct central_timer *t)
{
	u32 nr = scx_bpf_nr_cpu_ids();
	u64 now = bpf_ktime_get_ns();

	__sync_fetch_and_add(&nr_timers, 1);
	for (s32 i = 0; nr_waiting && i < MAX_CPUS && i < (s32)nr; i++) {
		if (i == central_cpu || !started_at[i])
			continue;
		if (now - started_at[i] >= slice_ns) {
			scx_bpf_kick_cpu(i, SCX_KICK_PREEMPT);
			__sync_fetch_and_add(&nr_preempts, 1);
		}
	}
	bpf_timer_start(&t->timer, timer_ns, BPF_F_TIMER_CPU_PIN);
	return 0;
}

static s32 start_timer(void)
{
	u32 key = 0;
	struct central_timer *t = bpf_map_lookup_elem(&central_timer, &key);
	s32 ret;

	if (!t)
		return -ESRCH;
	if (bpf_get_smp_processor_id() != central_cpu) {
		scx_bpf_error("ops.init ran on CPU %d, not on the central CPU %d",
			      bpf_get_smp_processor_id(), central_cpu);
		return -EINVAL;
	}
	ret = bpf_timer_init(&t->timer, &central_timer, CLOCK_MONOTONIC);
	ret = ret ?: bpf_timer_set_callback(&t->timer, central_timerfn);
	ret = ret ?: bpf_timer_start(&t->timer, timer_ns, BPF_F_TIMER_CPU_PIN);
	if (ret)
		scx_bpf_error("bpf_timer setup failed (%d)", ret);
	return ret;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(central_init)
{
	u32 nr = scx_bpf_nr_cpu_ids();

	if (central_cpu < 0 || central_cpu >= (s32)nr) {
		scx_bpf_error("central_cpu %d is not a CPU of this machine", central_cpu);
		return -EINVAL;
	}
	/* every other CPU starts idle: it wants work until it says otherwise */
	for (s32 i = 0; i < MAX_CPUS && i < (s32)nr; i++)
		gimme[i] = i != central_cpu;
	return scx_bpf_create_dsq(FALLBACK_DSQ, -1) ?: start_timer();
}

void BPF_STRUCT_OPS(central_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(central_ops,
	       /* the central CPU is kept busy: it should not be a candidate for SCX_ENQ_LAST */
	       .select_cpu = (void *)central_select_cpu,
	       .enqueue = (void *)central_enqueue,
	       .dispatch = (void *)central_dispatch,
	       .running = (void *)central_running,
	       .stopping = (void *)central_stopping,
	       .init = (void *)central_init,
	       .exit = (void *)central_exit,
	       .name = "central");
