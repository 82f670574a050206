/*
 * qmap — five FIFO queues chosen by task weight; the heavier a queue, the more tasks it gets
 * to dispatch per round. A teaching scheduler and a fault injector.
 *
 * Policy: ops.enqueue pushes the task's pid into one of five BPF_MAP_TYPE_QUEUE maps by weight
 * (queue 0 for the lightest tasks ... queue 4 for the heaviest). ops.dispatch serves the queues
 * with credits: queue i gets 1 << i tasks per round, highest queue first, so weight buys
 * throughput without starving anyone. A waking task that finds an idle CPU goes straight to its
 * local DSQ. ops.dequeue counts tasks taken back (their pid stays in the queue; when it is
 * popped later the dispatch is of a task the scheduler no longer owns, which the core ignores —
 * the same lazy scheme as upstream's qmap). ops.core_sched_before orders tasks for core
 * scheduling by queue (heavier first), then by enqueue order within a queue.
 *
 * Debugging: on an error exit (and SysRq-D) ops.dump lists each queue's pids in order
 * ("QMAP FIFO[i]: pid ..."; unlike upstream's, which pops them, it puts every pid back) and
 * the dispatch statistics; ops.dump_task prints the task's queue state, as upstream's qmap.
 *
 * What it demonstrates: queue maps, task local storage, bpf_task_from_pid/bpf_task_release,
 * dequeue, core_sched_before, the dump ops with scx_bpf_dump(), and fault injection through knobs that the tests use to drive
 * every ejection path:
 *   stall_user_nth=N    every Nth enqueued task is dropped -> the watchdog ejects (error_stall)
 *   error_after_dsp=N   scx_bpf_error() after N dispatched tasks            (error_bpf)
 *   exit_after_dsp=N    scx_bpf_exit() after N dispatched tasks              (unreg_bpf)
 *   bad_cpu_nth=N       every Nth select_cpu returns an invalid CPU          (error)
 *
 * Limits: a pid can sit in a queue after its task was dequeued (counted in nr_dequeued); queues
 * hold at most 4096 pids each (a full queue falls back to the global DSQ).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile u32 stall_user_nth;
const volatile u32 error_after_dsp;
const volatile u32 exit_after_dsp;
const volatile u32 bad_cpu_nth;

#define SHARED_DSQ 0
#define NR_QUEUES 5

UEI_DEFINE(uei);

struct qmap {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4096);
	__type(value, u32);
} queue0 SEC(".maps"), queue1 SEC(".maps"), queue2 SEC(".maps"), queue3 SEC(".maps"),
  queue4 SEC(".maps");

struct task_ctx {
	bool force_local;   /* select_cpu found an idle CPU: dispatch locally */
	u64 core_sched_seq; /* enqueue order within its queue, for core_sched_before */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

/* statistics for the user half */
u64 nr_enqueued, nr_dispatched, nr_dequeued, nr_reenqueued, nr_direct;
static u32 credits[NR_QUEUES];
static u64 core_seq[NR_QUEUES];
static u32 nr_selects, nr_user_enq;
static u32 qlen[NR_QUEUES];         /* pids in each queue (for the dump) */

static void *queue_of(u32 idx)
{
	switch (idx) {
	case 0: return &queue0;
	case 1: return &queue1;
	case 2: return &queue2;
	case 3: return &queue3;
	default: return &queue4;
	}
}

/* weight 100 = nice 0: nice 0 lands in queue 2 */
static u32 weight_to_idx(u32 weight)
{
	if (weight <= 25)
		return 0;
	if (weight <= 50)
		return 1;
	if (weight < 200)
		return 2;
	if (weight < 400)
		return 3;
	return 4;
}

static struct task_ctx *ctx_of(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
}

s32 BPF_STRUCT_OPS(qmap_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	struct task_ctx *tctx = ctx_of(p);
	s32 cpu;

	if (bad_cpu_nth && !(++nr_selects % bad_cpu_nth))
		return -17; /* fault injection: the core must eject us with a clear message */
	if (!tctx)
		return prev_cpu;
	cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	if (cpu >= 0) {
		tctx->force_local = true;
		return cpu;
	}
	return prev_cpu;
}

void BPF_STRUCT_OPS(qmap_enqueue, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = ctx_of(p);
	u32 pid = p->pid, idx;

	if (enq_flags & SCX_ENQ_REENQ)
		__sync_fetch_and_add(&nr_reenqueued, 1);
	if (!tctx) {
		scx_bpf_error("task %s[%d] has no task_ctx", p->comm, p->pid);
		return;
	}
	if (stall_user_nth && !(++nr_user_enq % stall_user_nth))
		return; /* fault injection: drop it, the watchdog will notice */
	if (tctx->force_local) {
		tctx->force_local = false;
		__sync_fetch_and_add(&nr_direct, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, enq_flags);
		return;
	}
	idx = weight_to_idx(p->scx.weight);
	tctx->core_sched_seq = core_seq[idx]++;
	if (bpf_map_push_elem(queue_of(idx), &pid, 0)) {
		scx_bpf_dsq_insert(p, SHARED_DSQ, slice_ns, enq_flags);
		return;
	}
	qlen[idx]++;
	__sync_fetch_and_add(&nr_enqueued, 1);
}

void BPF_STRUCT_OPS(qmap_dequeue, struct task_struct *p, u64 deq_flags)
{
	__sync_fetch_and_add(&nr_dequeued, 1);
}

/* Pop one pid from the highest queue that still has credit this round. */
static bool dispatch_one(void)
{
	for (int round = 0; round < 2; round++) {
		for (int i = NR_QUEUES - 1; i >= 0; i--) {
			struct task_struct *p;
			u32 pid;

			if (!credits[i] || bpf_map_pop_elem(queue_of(i), &pid))
				continue;
			if (qlen[i])
				qlen[i]--;
			credits[i]--;
			p = bpf_task_from_pid(pid);
			if (!p)
				return true; /* exited meanwhile: still a turn */
			scx_bpf_dsq_insert(p, SHARED_DSQ, slice_ns, 0);
			bpf_task_release(p);
			nr_dispatched++;
			return true;
		}
		/* every queue used its credit (or is empty): a new round */
		for (int i = 0; i < NR_QUEUES; i++)
			credits[i] = 1 << i;
	}
	return false;
}

void BPF_STRUCT_OPS(qmap_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(SHARED_DSQ))
		return;
	if (!dispatch_one())
		return;
	if (error_after_dsp && nr_dispatched >= error_after_dsp)
		scx_bpf_error("qmap: injected error after %llu dispatches", nr_dispatched);
	if (exit_after_dsp && nr_dispatched >= exit_after_dsp)
		scx_bpf_exit(7, "qmap: exiting after %llu dispatches", nr_dispatched);
	scx_bpf_dsq_move_to_local(SHARED_DSQ);
}

bool BPF_STRUCT_OPS(qmap_core_sched_before, struct task_struct *a, struct task_struct *b)
{
	struct task_ctx *ta = ctx_of(a), *tb = ctx_of(b);
	u32 ia = weight_to_idx(a->scx.weight), ib = weight_to_idx(b->scx.weight);

	if (ia != ib)
		return ia > ib;
	if (!ta || !tb)
		return false;
	return (s64)(ta->core_sched_seq - tb->core_sched_seq) < 0;
}

s32 BPF_STRUCT_OPS(qmap_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	/* allocate now: later lookups (in rq-locked ops) only find it */
	if (bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return 0;
	return -ENOMEM;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(qmap_init)
{
	for (int i = 0; i < NR_QUEUES; i++)
		credits[i] = 1 << i;
	return scx_bpf_create_dsq(SHARED_DSQ, -1);
}

/* Each queue's pids, front first: every pid is popped and pushed back, so the order stays. */
void BPF_STRUCT_OPS(qmap_dump, struct scx_dump_ctx *dctx)
{
	for (u32 i = 0; i < NR_QUEUES; i++) {
		void *q = queue_of(i);
		u32 n, pid;

		scx_bpf_dump("QMAP FIFO[%u]:", i);
		bpf_for(n, 0, qlen[i]) {
			if (bpf_map_pop_elem(q, &pid))
				break;
			scx_bpf_dump(" %u", pid);
			bpf_map_push_elem(q, &pid, 0);
		}
		scx_bpf_dump("\n");
	}
	scx_bpf_dump("QMAP: enqueued=%llu dispatched=%llu dequeued=%llu reenqueued=%llu direct=%llu\n",
		     nr_enqueued, nr_dispatched, nr_dequeued, nr_reenqueued, nr_direct);
}

void BPF_STRUCT_OPS(qmap_dump_task, struct scx_dump_ctx *dctx, struct task_struct *p)
{
	struct task_ctx *tctx = ctx_of(p);

	if (tctx)
		scx_bpf_dump("QMAP: force_local=%d core_sched_seq=%llu queue=%u", tctx->force_local,
			     tctx->core_sched_seq, weight_to_idx(p->scx.weight));
}

void BPF_STRUCT_OPS(qmap_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(qmap_ops,
	       .select_cpu = (void *)qmap_select_cpu,
	       .enqueue = (void *)qmap_enqueue,
	       .dequeue = (void *)qmap_dequeue,
	       .dispatch = (void *)qmap_dispatch,
	       .core_sched_before = (void *)qmap_core_sched_before,
	       .init_task = (void *)qmap_init_task,
	       .dump = (void *)qmap_dump,
	       .dump_task = (void *)qmap_dump_task,
	       .init = (void *)qmap_init,
	       .exit = (void *)qmap_exit,
	       .timeout_ms = 5000,
	       .name = "qmap");
