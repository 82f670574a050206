/*
 * kfuncs_more.c — the scx_bpf_* kfuncs of Linux 6.12-6.18 that kfuncs.c does not have:
 *
 *   DSQ iterators     bpf_iter_scx_dsq_new/_next/_destroy (user DSQs, FIFO or vtime order,
 *                     SCX_DSQ_ITER_REV), and the moves of an iterated task to another DSQ:
 *                     scx_bpf_dsq_move/_vtime, scx_bpf_dsq_move_set_slice/_set_vtime, with the
 *                     6.12 names scx_bpf_dispatch_from_dsq* as aliases;
 *   CPU performance   scx_bpf_cpuperf_cap/_cur (1024: simulated CPUs run at full capacity) and
 *                     scx_bpf_cpuperf_set (recorded per CPU, no effect on speed);
 *   NUMA              scx_bpf_cpu_node and the per-node idle kfuncs (_node variants of the idle
 *                     masks, pick_idle_cpu and pick_any_cpu), nodes from the machine topology;
 *   events (6.15)     scx_bpf_events: a copy of the scheduler's event counters.
 *
 * Why a host table for iterators: the scheduler holds a struct bpf_iter_scx_dsq (6 u64, on the
 * BPF stack or a C stack) whose bytes it may overwrite at will. Nothing is ever read from
 * those bytes: the iterator's real state lives in `iters`, keyed by the iterator's address and
 * checked on every call (an address never passed to _new, or already destroyed, ejects the
 * scheduler). The state holds a snapshot taken at _new — (pid, insertion sequence) of each task
 * queued then, in DSQ order — so tasks queued after the iteration started are never visited
 * (upstream's rule), and a task is returned only if it is still on the DSQ with the same
 * sequence; tasks are found again by pid in the current machine, so a stale entry can never
 * reach freed memory.
 *
 * Invariants: every entry of `iters` belongs to `iters.owner` (entries of another scheduler are
 * dropped when a new one calls in); snapshots are owned by their entry and freed at _destroy;
 * a bad argument ejects the scheduler with a message naming the kfunc, the op and the value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scx_int.h"

#define ITER_MAX 64                      /* live iterators at once (per scheduler) */
#define ITER_HAS_SLICE (1u << 30)        /* set_slice called since the last move */
#define ITER_HAS_VTIME (1u << 31)        /* set_vtime called since the last move */

struct iter_snap {
	s32 pid;                         /* the task */
	u64 seq;                         /* its p->scx.dsq_seq when the iteration started */
};

struct dsq_iter {
	const void *addr;                /* key: the scheduler's struct bpf_iter_scx_dsq */
	bool found;                      /* the DSQ existed at _new (else _next returns NULL) */
	u64 dsq_id;                      /* iterated user DSQ, looked up again on every call */
	u64 start_seq;                   /* sch->dsq_seq at _new: later inserts are not visited */
	u32 flags;                       /* SCX_DSQ_ITER_REV | ITER_HAS_SLICE | ITER_HAS_VTIME */
	u64 slice, vtime;                /* for the next move, when flagged */
	u32 nr, pos;                     /* snapshot length, entries consumed */
	struct iter_snap *snap;          /* owned, nr entries in DSQ order */
};

static struct {
	const struct scx_sched *owner;   /* scheduler the entries belong to */
	struct dsq_iter ent[ITER_MAX];
	int nr;
} iters;

static const struct cpumask empty_mask;

static struct scx_sched *cur(void)
{
	struct scx_sched *sch = scx_sch(scx_cur_machine);

	return sch && !sch->disabled ? sch : NULL;
}

static const char *op_name(const struct scx_sched *sch)
{
	return sch->cur_op ? sch->cur_op : "outside any op";
}

/* ---- the iterator table ------------------------------------------------------------------ */

static void iter_drop(int i)
{
	free(iters.ent[i].snap);
	iters.ent[i] = iters.ent[--iters.nr];
	iters.ent[iters.nr] = (struct dsq_iter){ 0 };
}

static void iter_own(const struct scx_sched *sch)
{
	if (iters.owner == sch)
		return;
	while (iters.nr)
		iter_drop(iters.nr - 1);
	iters.owner = sch;
}

static int iter_index(const void *addr)
{
	for (int i = 0; i < iters.nr; i++)
		if (iters.ent[i].addr == addr)
			return i;
	return -1;
}

/* The live iterator at `it`, or NULL after ejecting the scheduler. */
static struct dsq_iter *iter_get(struct scx_sched *sch, const void *it, const char *kfunc)
{
	int i;

	iter_own(sch);
	i = iter_index(it);
	if (i >= 0 && it)
		return &iters.ent[i];
	scx_error(sch, "%s(): iterator %p from %s was not initialized by bpf_iter_scx_dsq_new() (or was destroyed)",
		  kfunc, it, op_name(sch));
	return NULL;
}

static struct task_struct *task_of_pid(struct machine *m, s32 pid)
{
	int i = m->nr_tasks ? pid - m->tasks[0]->pid : -1;

	if (i >= 0 && i < m->nr_tasks && m->tasks[i]->pid == pid)
		return m->tasks[i];
	for (i = 0; i < m->nr_tasks; i++)
		if (m->tasks[i]->pid == pid)
			return m->tasks[i];
	return NULL;
}

/* p is still on dsq where the snapshot (or an iteration started at start_seq) saw it */
static bool iter_sees(const struct dsq_iter *e, const struct scx_dsq *dsq,
		      const struct task_struct *p)
{
	return dsq && p && p->scx.dsq == dsq && p->scx.dsq_seq <= e->start_seq;
}

static int iter_snapshot(struct dsq_iter *e, const struct scx_dsq *dsq)
{
	u32 n = 0;

	e->snap = dsq->nr ? calloc(dsq->nr, sizeof(*e->snap)) : NULL;
	if (dsq->nr && !e->snap)
		return -ENOMEM;
	for (struct task_struct *p = dsq_first(dsq); p && n < dsq->nr; p = dsq_next(dsq, p))
		e->snap[n++] = (struct iter_snap){ p->pid, p->scx.dsq_seq };
	e->nr = n;
	return 0;
}

/* ---- DSQ iterators ----------------------------------------------------------------------- */

int bpf_iter_scx_dsq_new(struct bpf_iter_scx_dsq *it, u64 dsq_id, u64 flags)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq;
	struct dsq_iter *e;

	if (!sch)
		return -EINVAL;
	iter_own(sch);
	if (!it || iter_index(it) >= 0) {
		scx_error(sch, "bpf_iter_scx_dsq_new(): iterator %p from %s is %s", (void *)it,
			  op_name(sch), it ? "still live (bpf_iter_scx_dsq_destroy() missing)" : "NULL");
		return -EINVAL;
	}
	if (flags & ~(u64)SCX_DSQ_ITER_REV) {
		scx_error(sch, "bpf_iter_scx_dsq_new(): invalid flags 0x%llx for DSQ 0x%llx from %s",
			  (unsigned long long)flags, (unsigned long long)dsq_id, op_name(sch));
		return -EINVAL;
	}
	if (iters.nr == ITER_MAX) {
		scx_error(sch, "bpf_iter_scx_dsq_new(): more than %d live DSQ iterators from %s",
			  ITER_MAX, op_name(sch));
		return -ENOSPC;
	}
	e = &iters.ent[iters.nr++];
	*e = (struct dsq_iter){ .addr = it, .dsq_id = dsq_id, .flags = (u32)flags,
				.start_seq = sch->dsq_seq };
	/* only user DSQs can be iterated (upstream since 6.12): others end at once */
	dsq = dsq_find_user(sch, dsq_id);
	if (!dsq)
		return -ENOENT;
	if (iter_snapshot(e, dsq)) {
		scx_error(sch, "bpf_iter_scx_dsq_new(): out of memory for %u tasks", dsq->nr);
		return -ENOMEM;
	}
	e->found = true;
	return 0;
}

struct task_struct *bpf_iter_scx_dsq_next(struct bpf_iter_scx_dsq *it)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *dsq;
	struct dsq_iter *e;

	if (!sch || !(e = iter_get(sch, it, "bpf_iter_scx_dsq_next")) || !e->found)
		return NULL;
	dsq = dsq_find_user(sch, e->dsq_id);
	while (e->pos < e->nr) {
		u32 i = e->flags & SCX_DSQ_ITER_REV ? e->nr - 1 - e->pos : e->pos;
		struct task_struct *p = task_of_pid(sch->m, e->snap[i].pid);

		e->pos++;
		if (iter_sees(e, dsq, p) && p->scx.dsq_seq == e->snap[i].seq)
			return p;
	}
	return NULL;
}

void bpf_iter_scx_dsq_destroy(struct bpf_iter_scx_dsq *it)
{
	struct scx_sched *sch = cur();
	int i = iter_index(it);

	if (!sch) { /* outside the scheduler: just forget it */
		if (i >= 0 && it)
			iter_drop(i);
		return;
	}
	if (iter_get(sch, it, "bpf_iter_scx_dsq_destroy"))
		iter_drop(iter_index(it));
}

/* ---- moving an iterated task ------------------------------------------------------------- */

/* upstream: from ops.dispatch() or a context holding no rq lock (sleepable ops, timers) */
static bool move_allowed(struct scx_sched *sch, const char *kfunc)
{
	if ((sch->kf_mask & SCX_KF_DISPATCH) || !(sch->kf_mask & SCX_KF_RQ_LOCKED))
		return true;
	scx_error(sch, "%s() called from %s (cpu %d): allowed only from ops.dispatch() and unlocked (sleepable) ops",
		  kfunc, op_name(sch), sch->cur_cpu);
	return false;
}

/* The CPU SCX_DSQ_LOCAL means: the dispatching CPU, the op's CPU, else p's CPU. */
static struct rq *move_this_rq(struct scx_sched *sch, const struct task_struct *p)
{
	if (sch->dsp_rq)
		return sch->dsp_rq;
	return cpu_rq(sch->m, sch->cur_cpu >= 0 ? sch->cur_cpu : p->cpu);
}

/* The destination exists (a user DSQ, a valid CPU's local DSQ, global) and fits the order. */
static bool move_dst_ok(struct scx_sched *sch, const struct task_struct *p, u64 dsq_id, bool vtime,
			const char *kfunc)
{
	const char *why = NULL;

	if (!(dsq_id & SCX_DSQ_FLAG_BUILTIN)) {
		if (dsq_find_user(sch, dsq_id))
			return true;
		why = "non-existent DSQ";
	} else if (vtime) {
		why = "vtime ordering is not allowed for built-in DSQ";
	} else if ((dsq_id & SCX_DSQ_LOCAL_ON) == SCX_DSQ_LOCAL_ON) {
		if ((dsq_id & SCX_DSQ_LOCAL_CPU_MASK) < (u64)sch->m->nr_cpus &&
		    !(dsq_id & ~(SCX_DSQ_LOCAL_ON | SCX_DSQ_LOCAL_CPU_MASK)))
			return true;
		why = "invalid CPU in SCX_DSQ_LOCAL_ON";
	} else if (dsq_id == SCX_DSQ_LOCAL || dsq_id == SCX_DSQ_GLOBAL) {
		return true;
	} else {
		why = "invalid built-in DSQ";
	}
	scx_error(sch, "%s(): %s 0x%llx for %s[%d] from %s", kfunc, why, (unsigned long long)dsq_id,
		  p->comm, p->pid, op_name(sch));
	return false;
}

static bool dsq_move(struct bpf_iter_scx_dsq *it, struct task_struct *p, u64 dsq_id, u64 enq_flags,
		     bool vtime, const char *kfunc)
{
	struct scx_sched *sch = cur();
	struct scx_dsq *src;
	struct dsq_iter *e;
	bool moved = false;

	if (!sch || !move_allowed(sch, kfunc) || !(e = iter_get(sch, it, kfunc)))
		return false;
	if (!p) {
		scx_error(sch, "%s() called with a NULL task from %s", kfunc, op_name(sch));
		return false;
	}
	if (enq_flags & ~SCX_ENQ_USER_MASK) {
		scx_error(sch, "%s(): invalid enq_flags 0x%llx for %s[%d] from %s", kfunc,
			  (unsigned long long)enq_flags, p->comm, p->pid, op_name(sch));
		return false;
	}
	if (!move_dst_ok(sch, p, dsq_id, vtime, kfunc))
		return false;
	src = e->found ? dsq_find_user(sch, e->dsq_id) : NULL;
	/* gone, re-queued since the iteration started, or being consumed: not an error */
	if (iter_sees(e, src, p) && p->scx.holding_cpu < 0) {
		if (e->flags & ITER_HAS_VTIME)
			p->scx.dsq_vtime = e->vtime;
		if (e->flags & ITER_HAS_SLICE)
			p->scx.slice = e->slice;
		dsq_remove(src, p);
		scx_dispatch_to_dsq_id(sch, move_this_rq(sch, p), p, dsq_id,
				       enq_flags | (vtime ? SCX_ENQ_DSQ_PRIQ : 0));
		moved = true;
	}
	e->flags &= ~(ITER_HAS_SLICE | ITER_HAS_VTIME);
	return moved;
}

bool scx_bpf_dsq_move(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
		      u64 enq_flags)
{
	return dsq_move(it__iter, p, dsq_id, enq_flags, false, "scx_bpf_dsq_move");
}

bool scx_bpf_dsq_move_vtime(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p, u64 dsq_id,
			    u64 enq_flags)
{
	return dsq_move(it__iter, p, dsq_id, enq_flags, true, "scx_bpf_dsq_move_vtime");
}

static void move_set(struct bpf_iter_scx_dsq *it, u64 v, u32 flag, const char *kfunc)
{
	struct scx_sched *sch = cur();
	struct dsq_iter *e;

	if (!sch || !move_allowed(sch, kfunc) || !(e = iter_get(sch, it, kfunc)))
		return;
	if (flag == ITER_HAS_SLICE)
		e->slice = v;
	else
		e->vtime = v;
	e->flags |= flag;
}

void scx_bpf_dsq_move_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice)
{
	move_set(it__iter, slice, ITER_HAS_SLICE, "scx_bpf_dsq_move_set_slice");
}

void scx_bpf_dsq_move_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime)
{
	move_set(it__iter, vtime, ITER_HAS_VTIME, "scx_bpf_dsq_move_set_vtime");
}

/* 6.12 names */
bool scx_bpf_dispatch_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p,
			       u64 dsq_id, u64 enq_flags)
{
	return dsq_move(it__iter, p, dsq_id, enq_flags, false, "scx_bpf_dispatch_from_dsq");
}

bool scx_bpf_dispatch_vtime_from_dsq(struct bpf_iter_scx_dsq *it__iter, struct task_struct *p,
				     u64 dsq_id, u64 enq_flags)
{
	return dsq_move(it__iter, p, dsq_id, enq_flags, true, "scx_bpf_dispatch_vtime_from_dsq");
}

void scx_bpf_dispatch_from_dsq_set_slice(struct bpf_iter_scx_dsq *it__iter, u64 slice)
{
	move_set(it__iter, slice, ITER_HAS_SLICE, "scx_bpf_dispatch_from_dsq_set_slice");
}

void scx_bpf_dispatch_from_dsq_set_vtime(struct bpf_iter_scx_dsq *it__iter, u64 vtime)
{
	move_set(it__iter, vtime, ITER_HAS_VTIME, "scx_bpf_dispatch_from_dsq_set_vtime");
}

/* ---- CPU performance ------------------------------------------------------------------- */

static struct {
	const struct scx_sched *owner;   /* scheduler the targets were set by */
	bool set[SCX_NR_CPUS_MAX];
	u32 target[SCX_NR_CPUS_MAX];
} perf;

static bool cpu_ok(struct scx_sched *sch, s32 cpu, const char *kfunc)
{
	char where[160];

	if (cpu >= 0 && cpu < sch->m->nr_cpus)
		return true;
	snprintf(where, sizeof(where), "passed to %s() from %s", kfunc, op_name(sch));
	return scx_cpu_valid(sch, cpu, where);
}

u32 scx_bpf_cpuperf_cap(s32 cpu)
{
	struct scx_sched *sch = cur();

	if (sch)
		cpu_ok(sch, cpu, "scx_bpf_cpuperf_cap");
	return SCX_CPUPERF_ONE;
}

u32 scx_bpf_cpuperf_cur(s32 cpu)
{
	struct scx_sched *sch = cur();

	if (sch)
		cpu_ok(sch, cpu, "scx_bpf_cpuperf_cur");
	return SCX_CPUPERF_ONE;
}

void scx_bpf_cpuperf_set(s32 cpu, u32 perf_target)
{
	struct scx_sched *sch = cur();

	if (!sch)
		return;
	if (perf_target > SCX_CPUPERF_ONE) {
		scx_error(sch, "scx_bpf_cpuperf_set(): invalid cpuperf target %u for CPU %d from %s (at most %u)",
			  perf_target, cpu, op_name(sch), SCX_CPUPERF_ONE);
		return;
	}
	if (!cpu_ok(sch, cpu, "scx_bpf_cpuperf_set"))
		return;
	if (perf.owner != sch)
		memset(&perf, 0, sizeof(perf));
	perf.owner = sch;
	perf.set[cpu] = true;
	perf.target[cpu] = perf_target;
}

/*
 * The scheduler `sch` is being freed: forget its iterators and CPU performance targets, so a
 * later scheduler allocated at the same address does not inherit them.
 */
void scx_kfuncs_more_release(const struct scx_sched *sch)
{
	if (iters.owner == sch) {
		while (iters.nr)
			iter_drop(iters.nr - 1);
		iters.owner = NULL;
	}
	if (perf.owner == sch)
		memset(&perf, 0, sizeof(perf));
}

u32 scx_cpuperf_target(const struct machine *m, int cpu)
{
	const struct scx_sched *sch = m ? m->scx : NULL;

	if (!sch || perf.owner != sch || cpu < 0 || cpu >= m->nr_cpus || !perf.set[cpu])
		return SCX_CPUPERF_ONE;
	return perf.target[cpu];
}

/* ---- NUMA nodes ---------------------------------------------------------------------------- */

static struct cpumask node_idle[SCX_NR_CPUS_MAX]; /* per node: the last mask handed out */
static struct cpumask node_smt[SCX_NR_CPUS_MAX];

/* Number of NUMA node ids (nodes are numbered from 0); 1 without a current scheduler. */
u32 scx_bpf_nr_node_ids(void)
{
	struct scx_sched *sch = cur();

	return sch ? (u32)sch->m->topo->nr_nodes : 1;
}

int scx_bpf_cpu_node(s32 cpu)
{
	struct scx_sched *sch = cur();

	if (!sch || !cpu_ok(sch, cpu, "scx_bpf_cpu_node"))
		return -1;
	return sch->m->topo->cpus[cpu].node;
}

static bool node_idle_on(struct scx_sched *sch, const char *kfunc)
{
	if (sch->builtin_idle)
		return true;
	scx_error(sch, "%s() from %s: built-in idle tracking is disabled (ops.update_idle() without SCX_OPS_KEEP_BUILTIN_IDLE)",
		  kfunc, op_name(sch));
	return false;
}

/* node, -ENOENT for NUMA_NO_NODE (-1, not an error), or -EOPNOTSUPP / -EINVAL after ejecting
 * (upstream validate_node: the _node kfuncs need SCX_OPS_BUILTIN_IDLE_PER_NODE) */
static int node_check(struct scx_sched *sch, int node, const char *kfunc)
{
	if (!sch->idle_per_node) {
		scx_error(sch, "%s() from %s: per-node idle tracking is disabled (set SCX_OPS_BUILTIN_IDLE_PER_NODE)",
			  kfunc, op_name(sch));
		return -EOPNOTSUPP;
	}
	if (node == -1)
		return -ENOENT;
	if (node >= 0 && node < sch->m->topo->nr_nodes)
		return node;
	scx_error(sch, "%s(): invalid node %d from %s (the machine has %d)", kfunc, node,
		  op_name(sch), sch->m->topo->nr_nodes);
	return -EINVAL;
}

const struct cpumask *scx_bpf_get_idle_cpumask_node(int node)
{
	const char *fn = "scx_bpf_get_idle_cpumask_node";
	struct scx_sched *sch = cur();

	if (!sch || !node_idle_on(sch, fn) || (node = node_check(sch, node, fn)) < 0)
		return &empty_mask;
	cpumask_and(&node_idle[node], &sch->idle_cpu, &sch->m->topo->node_mask[node]);
	return &node_idle[node];
}

const struct cpumask *scx_bpf_get_idle_smtmask_node(int node)
{
	const char *fn = "scx_bpf_get_idle_smtmask_node";
	struct scx_sched *sch = cur();
	const struct cpumask *all;

	if (!sch || !node_idle_on(sch, fn) || (node = node_check(sch, node, fn)) < 0)
		return &empty_mask;
	all = sch->m->topo->nr_cores < sch->m->nr_cpus ? &sch->idle_smt : &sch->idle_cpu;
	cpumask_and(&node_smt[node], all, &sch->m->topo->node_mask[node]);
	return &node_smt[node];
}

static bool pick_args_ok(struct scx_sched *sch, const struct cpumask *allowed, u64 flags,
			 const char *kfunc)
{
	if (!allowed) {
		scx_error(sch, "%s() called with a NULL cpumask from %s", kfunc, op_name(sch));
		return false;
	}
	if (flags & ~(SCX_PICK_IDLE_CORE | SCX_PICK_IDLE_IN_NODE)) {
		scx_error(sch, "%s(): invalid flags 0x%llx from %s", kfunc, (unsigned long long)flags,
			  op_name(sch));
		return false;
	}
	return true;
}

s32 scx_bpf_pick_idle_cpu_node(const struct cpumask *cpus_allowed, int node, u64 flags)
{
	const char *fn = "scx_bpf_pick_idle_cpu_node";
	struct scx_sched *sch = cur();

	if (!sch)
		return -EBUSY;
	if (!node_idle_on(sch, fn) || !pick_args_ok(sch, cpus_allowed, flags, fn))
		return -EINVAL;
	node = node_check(sch, node, fn);
	return node < 0 ? node : scx_pick_idle_cpu_node(sch, cpus_allowed, node, flags);
}

/* cpumask_any_distribute over allowed (& node when IN_NODE) & online */
static s32 any_node(struct scx_sched *sch, const struct cpumask *allowed, int node, u64 flags)
{
	struct cpumask ok;
	int cpu;

	cpumask_and(&ok, allowed, &sch->online);
	if (flags & SCX_PICK_IDLE_IN_NODE)
		cpumask_and(&ok, &ok, &sch->m->topo->node_mask[node]);
	cpu = scx_any_and_distribute(sch, &ok, &ok);
	return cpu < 0 ? -EBUSY : cpu;
}

s32 scx_bpf_pick_any_cpu_node(const struct cpumask *cpus_allowed, int node, u64 flags)
{
	const char *fn = "scx_bpf_pick_any_cpu_node";
	struct scx_sched *sch = cur();
	s32 cpu;

	if (!sch)
		return -EBUSY;
	if (!pick_args_ok(sch, cpus_allowed, flags, fn))
		return -EINVAL;
	node = node_check(sch, node, fn);
	if (node < 0)
		return node;
	if (sch->builtin_idle) {
		cpu = scx_pick_idle_cpu_node(sch, cpus_allowed, node, flags);
		if (cpu >= 0)
			return cpu;
	}
	return any_node(sch, cpus_allowed, node, flags);
}

/* ---- event counters (6.15) ---------------------------------------------------------------- */

/* The kernel sums per-CPU counters; scxsim keeps one set. A bypass still going on (ops.exit runs
 * while bypassing) counts up to now, as if it ended at the read. Outside any scheduler callback
 * (no scheduler) the result is all zeros. */
void scx_bpf_events(struct scx_event_stats *events, u64 events__sz)
{
	struct scx_sched *sch = scx_sch(scx_cur_machine);
	struct scx_event_stats e = { 0 };

	if (sch) {
		e = sch->ev;
		if (sch->bypass_at)
			e.SCX_EV_BYPASS_DURATION += (s64)(sch->m->sim.now - sch->bypass_at);
	}
	memcpy(events, &e, events__sz < sizeof(e) ? events__sz : sizeof(e));
}
