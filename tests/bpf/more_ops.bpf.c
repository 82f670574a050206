/*
 * more_ops.bpf.c — the BPF side of the kfuncs and ops that test_scx_more.c proves with C
 * schedulers, for tests/unit/test_bpf_more.c: each kfunc goes through its BPF adapter (task
 * and cpumask arguments checked, returned cpumasks made readable) and each op through its
 * trampoline (u64 flags, s32 cpu). The scheduler holds every task it is given (pids in a queue
 * map, ownership in a hash map, as upstream's scx_qmap does) until 10 ms, then dispatches two
 * at a time, alternating between an insert-insert-cancel round and a SCX_ENQ_HEAD round on a
 * user DSQ; what each callback saw goes into globals the test reads.
 *
 * Run it on 1s2c2t (core 0 = CPUs {0, 2}, core 1 = {1, 3}) with CPU 1 going offline at 5 ms,
 * SCHED_EXT tasks and a fair task pinned to CPU 0 (SWITCH_PARTIAL): ops.init claims every idle
 * CPU, select_cpu sends everyone to CPU 1, so the hotplug moves tasks the scheduler holds.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define HEAD_DSQ 5
#define EMPTY_DSQ 900
#define RELEASE_NS (10ULL * 1000 * 1000)
#define NR_RES 32

s64 init_res[NR_RES];          /* ops.init: kfunc results, in order (see the test) */
u64 nr_bad;                    /* observations that contradict the contract */
u32 bad_line;                  /* source line of the first one */
u64 n_fork, n_ttwu, n_sync, n_enq_first_wakeup, n_enq_selected, n_enq;
u64 n_dequeue, dequeue_flags, dequeue_at;
u64 n_quiescent_sleep, n_quiescent_move;
u64 n_cancel_rounds, n_head_rounds, n_head_checked, first_insert_at;
u64 n_tick, n_stopping, n_running;
u64 n_offline, online_at_offline_w, online_at_offline_has1, possible_at_offline_w;
u64 n_online;
u32 expect[8];                 /* per CPU: pid + 1 of the task that must run next, 0 = none */

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 256);
	__type(value, s32);
} held_q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, s32);
	__type(value, u8);
} owned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, s32);
	__type(value, u8);
} seen SEC(".maps");

#define BAD() do { if (!nr_bad++) bad_line = __LINE__; } while (0)

static void res(u32 i, s64 v)
{
	if (i < NR_RES)
		init_res[i] = v;
}

static s64 mask_bits(const struct cpumask *m)
{
	s64 v = 0;
	u32 c;

	for (c = 0; c < 8; c++)
		if (bpf_cpumask_test_cpu(c, m))
			v |= 1LL << c;
	return v;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(more_init)
{
	const struct cpumask *all = scx_bpf_get_possible_cpumask();
	const struct cpumask *idle, *smt;

	res(0, scx_bpf_create_dsq(HEAD_DSQ, -1));
	res(1, scx_bpf_create_dsq(HEAD_DSQ, -1));                    /* -EEXIST */
	res(2, scx_bpf_create_dsq(SCX_DSQ_GLOBAL, -1));              /* -EINVAL */
	res(3, scx_bpf_create_dsq(6, 0));
	scx_bpf_destroy_dsq(6);
	res(4, scx_bpf_dsq_nr_queued(6));                            /* -ENOENT: destroyed */
	res(5, scx_bpf_create_dsq(EMPTY_DSQ, -1));
	res(6, scx_bpf_nr_cpu_ids());
	res(7, mask_bits(all));
	res(8, mask_bits(scx_bpf_get_online_cpumask()));
	idle = scx_bpf_get_idle_cpumask();
	smt = scx_bpf_get_idle_smtmask();
	res(9, mask_bits(idle));
	res(10, mask_bits(smt));
	res(11, scx_bpf_test_and_clear_cpu_idle(0));
	res(12, scx_bpf_test_and_clear_cpu_idle(0));                 /* already claimed */
	res(13, mask_bits(idle));                                    /* the same mask, now {1,2,3} */
	res(14, mask_bits(smt));                                     /* core 1 only */
	res(15, scx_bpf_pick_idle_cpu(all, SCX_PICK_IDLE_CORE));     /* 1 */
	res(16, scx_bpf_pick_idle_cpu(all, SCX_PICK_IDLE_CORE));     /* -EBUSY */
	res(17, scx_bpf_pick_any_cpu(all, 0));                       /* idle 2, claimed */
	res(18, scx_bpf_pick_any_cpu(all, 0));                       /* idle 3, claimed */
	res(19, scx_bpf_pick_any_cpu(all, 0));                       /* none idle: rotation */
	res(20, scx_bpf_pick_any_cpu(all, 0));
	res(21, mask_bits(idle));                                    /* empty */
	res(22, scx_bpf_now());                                      /* load happens at time 0 */
	res(23, bpf_cpumask_weight(all));
	scx_bpf_put_idle_cpumask(idle);
	scx_bpf_put_idle_cpumask(smt);
	scx_bpf_put_cpumask(all);
	return 0;
}

s32 BPF_STRUCT_OPS(more_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	s32 pid = p->pid;
	bool first = !bpf_map_lookup_elem(&seen, &pid);

	if (wake_flags & SCX_WAKE_SYNC)
		n_sync++;
	if (first != !!(wake_flags & SCX_WAKE_FORK) || first == !!(wake_flags & SCX_WAKE_TTWU))
		BAD();
	if (first)
		n_fork++;
	else
		n_ttwu++;
	return 1;
}

void BPF_STRUCT_OPS(more_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 pid = p->pid;
	u8 one = 1;

	n_enq++;
	if (!bpf_map_lookup_elem(&seen, &pid)) {
		bpf_map_update_elem(&seen, &pid, &one, BPF_ANY);
		if (enq_flags & SCX_ENQ_WAKEUP)
			n_enq_first_wakeup++;
	}
	if (enq_flags & SCX_ENQ_CPU_SELECTED)
		n_enq_selected++;
	if ((enq_flags & SCX_ENQ_WAKEUP) && scx_bpf_task_running(p))
		BAD();
	if (bpf_map_lookup_elem(&owned, &pid))
		BAD();
	bpf_map_update_elem(&owned, &pid, &one, BPF_NOEXIST);
	bpf_map_push_elem(&held_q, &pid, 0);
}

void BPF_STRUCT_OPS(more_dequeue, struct task_struct *p, u64 deq_flags)
{
	s32 pid = p->pid;

	if (!n_dequeue++)
		dequeue_at = scx_bpf_now();
	dequeue_flags |= deq_flags;
	if (bpf_map_delete_elem(&owned, &pid))
		BAD();
}

/* The next held task the scheduler still owns (skips pids dequeued since), acquired. */
static struct task_struct *next_owned(void)
{
	s32 pid;
	int i;

	bpf_for(i, 0, 8) {
		struct task_struct *p;

		if (bpf_map_pop_elem(&held_q, &pid))
			return NULL;
		if (bpf_map_delete_elem(&owned, &pid))
			continue; /* dequeued meanwhile: stale */
		p = bpf_task_from_pid(pid);
		if (p)
			return p;
	}
	return NULL;
}

static void hold_again(struct task_struct *p)
{
	s32 pid = p->pid;
	u8 one = 1;

	bpf_map_update_elem(&owned, &pid, &one, BPF_NOEXIST);
	bpf_map_push_elem(&held_q, &pid, 0);
}

/* insert a and b, cancel b (it stays held), flush: only a on the local DSQ */
static void cancel_round(struct task_struct *a, struct task_struct *b)
{
	scx_bpf_dsq_insert(a, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	scx_bpf_dsq_insert(b, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	if (scx_bpf_dispatch_nr_slots() != 6)
		BAD();
	scx_bpf_dispatch_cancel();
	if (scx_bpf_dispatch_nr_slots() != 7)
		BAD();
	scx_bpf_dsq_move_to_local(EMPTY_DSQ); /* flushes the buffer */
	if (scx_bpf_dispatch_nr_slots() != 8 || scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) != 1)
		BAD();
	hold_again(b);
	n_cancel_rounds++;
}

/* a and b into a user FIFO DSQ, b at its head: b is the one moved to the local DSQ */
static void head_round(struct task_struct *a, struct task_struct *b)
{
	scx_bpf_dsq_insert(a, HEAD_DSQ, SCX_SLICE_DFL, 0);
	scx_bpf_dsq_insert(b, HEAD_DSQ, SCX_SLICE_DFL, SCX_ENQ_HEAD);
	if (!scx_bpf_dsq_move_to_local(HEAD_DSQ) || scx_bpf_dsq_nr_queued(HEAD_DSQ) != 1)
		BAD();
	n_head_rounds++;
}

void BPF_STRUCT_OPS(more_dispatch, s32 cpu, struct task_struct *prev)
{
	struct task_struct *a, *b;

	if (scx_bpf_now() < RELEASE_NS)
		return;
	if (scx_bpf_dispatch_nr_slots() != 8)
		BAD();
	if (scx_bpf_dsq_nr_queued(HEAD_DSQ) > 0) {
		scx_bpf_dsq_move_to_local(HEAD_DSQ);
		return;
	}
	a = next_owned();
	if (!a)
		return;
	if (!first_insert_at)
		first_insert_at = scx_bpf_now();
	b = next_owned();
	if (!b) {
		scx_bpf_dsq_insert(a, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	} else {
		bool head = (n_cancel_rounds + n_head_rounds) % 2;

		if (head)
			head_round(a, b);
		else
			cancel_round(a, b);
		if (cpu >= 0 && cpu < 8)
			expect[cpu] = (head ? b->pid : a->pid) + 1;
		bpf_task_release(b);
	}
	bpf_task_release(a);
}

void BPF_STRUCT_OPS(more_running, struct task_struct *p)
{
	u32 cpu = bpf_get_smp_processor_id();

	n_running++;
	if (scx_bpf_task_running(p)) /* rq->curr is not p yet while it switches in */
		BAD();
	if (cpu >= 8 || !expect[cpu])
		return;
	if (p->pid + 1 != expect[cpu])
		BAD();
	expect[cpu] = 0;
	n_head_checked++;
}

void BPF_STRUCT_OPS(more_tick, struct task_struct *p)
{
	n_tick++;
	if (!scx_bpf_task_running(p))
		BAD();
}

void BPF_STRUCT_OPS(more_stopping, struct task_struct *p, bool runnable)
{
	n_stopping++;
	if (!scx_bpf_task_running(p))
		BAD();
}

void BPF_STRUCT_OPS(more_quiescent, struct task_struct *p, u64 deq_flags)
{
	if (deq_flags == SCX_DEQ_SLEEP)
		n_quiescent_sleep++;
	else if (deq_flags == 0)
		n_quiescent_move++;
	else
		BAD();
}

void BPF_STRUCT_OPS_SLEEPABLE(more_cpu_offline, s32 cpu)
{
	const struct cpumask *on = scx_bpf_get_online_cpumask();
	const struct cpumask *pos = scx_bpf_get_possible_cpumask();

	n_offline++;
	online_at_offline_w = bpf_cpumask_weight(on);
	online_at_offline_has1 = bpf_cpumask_test_cpu(1, on);
	possible_at_offline_w = bpf_cpumask_weight(pos);
	scx_bpf_put_cpumask(on);
	scx_bpf_put_cpumask(pos);
}

void BPF_STRUCT_OPS_SLEEPABLE(more_cpu_online, s32 cpu)
{
	n_online++;
}

SCX_OPS_DEFINE(more_ops,
	       .init = (void *)more_init,
	       .select_cpu = (void *)more_select_cpu,
	       .enqueue = (void *)more_enqueue,
	       .dequeue = (void *)more_dequeue,
	       .dispatch = (void *)more_dispatch,
	       .running = (void *)more_running,
	       .tick = (void *)more_tick,
	       .stopping = (void *)more_stopping,
	       .quiescent = (void *)more_quiescent,
	       .cpu_offline = (void *)more_cpu_offline,
	       .cpu_online = (void *)more_cpu_online,
	       .dispatch_max_batch = 8,
	       .flags = SCX_OPS_SWITCH_PARTIAL,
	       .name = "more_ops");
