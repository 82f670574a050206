/*
 * ext.c — the ext scheduling class (kernel/sched/ext.c): the scheduling cycle that maps the
 * scheduler core's class callbacks onto sched_ext_ops.
 *
 *   wake-up:  select_cpu (or the default idle-CPU pick, which direct-dispatches to the local
 *             DSQ when it finds an idle CPU) -> enqueue (or direct dispatch) -> DSQ
 *   pick:     balance: keep prev if it has slice left; else local DSQ; else global DSQ;
 *             else ops.dispatch (and v3 ops.consume) in a loop of up to SCX_DSP_MAX_LOOPS
 *             while it dispatches something; else keep prev if still runnable
 *   running:  slice decreases with runtime; at 0 the tick reschedules; SCX_SLICE_INF is tickless
 *   put:      a preempted task with slice left goes back to the head of its local DSQ; one
 *             whose slice is used up goes through enqueue again (SCX_ENQ_LAST if nothing else)
 *
 * Ownership: a task the scheduler keeps after ops.enqueue (ops_state QUEUED, with a queue
 * sequence) may be dispatched from any CPU; a dispatch of a task that was dequeued meanwhile
 * (stale sequence) is ignored, as upstream does. While the scheduler is exiting (bypass) every
 * task goes to the global DSQ in FIFO order and no op is called.
 */
#include <stdio.h>
#include "scx_int.h"

static inline struct rq *task_rq(struct task_struct *p)
{
	return cpu_rq(p->m, p->cpu);
}

static inline struct rq *dsq_rq(struct machine *m, struct scx_dsq *dsq)
{
	return dsq->cpu >= 0 ? cpu_rq(m, dsq->cpu) : NULL;
}

bool scx_cpu_valid(struct scx_sched *sch, s64 cpu, const char *where)
{
	if (cpu >= 0 && cpu < sch->m->nr_cpus)
		return true;
	scx_error(sch, "invalid CPU %lld %s", (long long)cpu, where);
	return false;
}

/* ---- runnable list (watchdog) ------------------------------------------------------------ */

static void set_task_runnable(struct rq *rq, struct task_struct *p)
{
	struct scx_rq *srq = &rq->scx;

	if (p->scx.reset_runnable_at) {
		p->scx.runnable_at = rq->m->sim.now;
		p->scx.reset_runnable_at = false;
	}
	p->scx.run_next = NULL;
	p->scx.run_prev = srq->run_tail;
	if (srq->run_tail)
		srq->run_tail->scx.run_next = p;
	else
		srq->run_head = p;
	srq->run_tail = p;
}

static void clr_task_runnable(struct rq *rq, struct task_struct *p, bool reset)
{
	struct scx_rq *srq = &rq->scx;

	if (p->scx.run_prev)
		p->scx.run_prev->scx.run_next = p->scx.run_next;
	else if (srq->run_head == p)
		srq->run_head = p->scx.run_next;
	else
		goto out; /* not on the list */
	if (p->scx.run_next)
		p->scx.run_next->scx.run_prev = p->scx.run_prev;
	else
		srq->run_tail = p->scx.run_prev;
out:
	p->scx.run_next = p->scx.run_prev = NULL;
	if (reset)
		p->scx.reset_runnable_at = true;
}

/* ---- inserting into DSQs ------------------------------------------------------------------ */

void scx_dispatch_enqueue(struct scx_sched *sch, struct scx_dsq *dsq, struct task_struct *p,
			  u64 enq_flags)
{
	bool builtin = dsq->id & SCX_DSQ_FLAG_BUILTIN;
	struct rq *rq;

	if (enq_flags & SCX_ENQ_DSQ_PRIQ) {
		if (builtin) {
			scx_error(sch, "%s: cannot use vtime ordering for built-in DSQ 0x%llx (%s[%d])",
				  sch->cur_op ? sch->cur_op : "dispatch", (unsigned long long)dsq->id,
				  p->comm, p->pid);
			enq_flags &= ~SCX_ENQ_DSQ_PRIQ;
		} else if (dsq->nr && !dsq->vtime) {
			scx_error(sch, "DSQ 0x%llx already had FIFO-enqueued tasks, cannot insert %s[%d] by vtime",
				  (unsigned long long)dsq->id, p->comm, p->pid);
			enq_flags &= ~SCX_ENQ_DSQ_PRIQ;
		}
	} else if (dsq->vtime && dsq->nr) {
		scx_error(sch, "DSQ 0x%llx already had vtime-enqueued tasks, cannot insert %s[%d] in FIFO order",
			  (unsigned long long)dsq->id, p->comm, p->pid);
		enq_flags |= SCX_ENQ_DSQ_PRIQ;
	}
	if (enq_flags & SCX_ENQ_PREEMPT)
		enq_flags |= SCX_ENQ_HEAD;
	dsq_insert(sch, dsq, p, enq_flags);
	sch->nr_dispatched++;
	if (sch->m->trace) {
		char d[40];
		snprintf(d, sizeof(d), "dsq 0x%llx", (unsigned long long)dsq->id);
		trace_instant(sch->m, dsq->cpu >= 0 ? dsq->cpu : p->cpu, "dsq_insert", p, d);
	}
	if (enq_flags & SCX_ENQ_CLEAR_OPSS)
		p->scx.ops_state = SCX_OPSS_NONE;
	rq = dsq_rq(sch->m, dsq);
	if (!rq)
		return;
	/* a local DSQ: preempt its curr when asked, wake it when idle */
	if ((enq_flags & SCX_ENQ_PREEMPT) && rq->curr && rq->curr != p &&
	    rq->curr->sched_class == &ext_sched_class) {
		rq->curr->scx.slice = 0;
		resched_curr(rq);
	} else if (!rq->curr) {
		resched_curr(rq);
	}
}

/* Move p (queued on some rq) onto dst's local DSQ, migrating it when needed. */
static void move_to_local(struct scx_sched *sch, struct rq *dst, struct task_struct *p,
			  u64 enq_flags)
{
	struct rq *src = task_rq(p);

	if (src != dst) {
		/* move_remote_task_to_local_dsq: change p's rq, keep its ext state */
		clr_task_runnable(src, p, false);
		src->scx.nr_running--;
		add_nr_running(src, -1);
		set_task_cpu(p, dst->cpu);
		dst->scx.nr_running++;
		add_nr_running(dst, 1);
		set_task_runnable(dst, p);
	}
	scx_dispatch_enqueue(sch, &dst->scx.local, p, enq_flags);
}

static bool task_can_run_on(struct task_struct *p, struct rq *rq)
{
	return cpumask_test(&p->cpus_mask, rq->cpu) && rq->online;
}

/* Dispatch p to the DSQ named by dsq_id, from the point of view of CPU rq. */
void scx_dispatch_to_dsq_id(struct scx_sched *sch, struct rq *rq, struct task_struct *p,
			    u64 dsq_id, u64 enq_flags)
{
	struct machine *m = sch->m;
	struct scx_dsq *dsq;

	if (dsq_id == SCX_DSQ_LOCAL || (dsq_id & SCX_DSQ_FLAG_LOCAL_ON) == SCX_DSQ_FLAG_LOCAL_ON) {
		struct rq *dst = rq;
		if (dsq_id != SCX_DSQ_LOCAL) {
			s64 cpu = (s64)(dsq_id & SCX_DSQ_LOCAL_CPU_MASK);
			if (!scx_cpu_valid(sch, cpu, "in SCX_DSQ_LOCAL_ON dispatch verdict"))
				goto global;
			dst = cpu_rq(m, (int)cpu);
		}
		if (!dst->online) { /* raced with hotplug: not the scheduler's fault */
			scx_add_event(sch, SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE, 1);
			goto global;
		}
		if (!task_can_run_on(p, dst)) {
			scx_error(sch, "SCX_DSQ_LOCAL[_ON] verdict target cpu %d not allowed for %s[%d]",
				  dst->cpu, p->comm, p->pid);
			goto global;
		}
		move_to_local(sch, dst, p, enq_flags);
		return;
	}
	if (dsq_id == SCX_DSQ_GLOBAL) {
		dsq = &sch->global;
	} else {
		dsq = dsq_find_user(sch, dsq_id);
		if (!dsq) {
			scx_error(sch, "%s: non-existent DSQ 0x%llx for %s[%d]",
				  sch->cur_op ? sch->cur_op : "dispatch", (unsigned long long)dsq_id,
				  p->comm, p->pid);
			goto global;
		}
	}
	scx_dispatch_enqueue(sch, dsq, p, enq_flags);
	return;
global:
	scx_dispatch_enqueue(sch, &sch->global, p, (enq_flags & ~SCX_ENQ_DSQ_PRIQ) | SCX_ENQ_CLEAR_OPSS);
}

static void direct_dispatch(struct scx_sched *sch, struct rq *rq, struct task_struct *p,
			    u64 enq_flags)
{
	u64 dsq_id = p->scx.ddsp_dsq_id;
	u64 flags = p->scx.ddsp_enq_flags | enq_flags | SCX_ENQ_CLEAR_OPSS;

	p->scx.ddsp_dsq_id = SCX_DSQ_INVALID;
	p->scx.ddsp_enq_flags = 0;
	scx_dispatch_to_dsq_id(sch, rq, p, dsq_id, flags & ~SCX_ENQ_WAKEUP);
}

/* do_enqueue_task */
void scx_do_enqueue(struct scx_sched *sch, struct rq *rq, struct task_struct *p, u64 enq_flags)
{
	if (!rq->online)
		goto local;
	if (sch->exiting) {
		scx_add_event(sch, SCX_EV_BYPASS_DISPATCH, 1);
		goto global;
	}
	if (p->scx.ddsp_dsq_id != SCX_DSQ_INVALID)
		goto direct;
	if (!sch->ops.enqueue)
		goto global;
	p->scx.ops_qseq++;
	p->scx.ops_state = SCX_OPSS_QUEUED;
	sch->ddsp_task = p;
	sch->ddsp_done = false;
	sch->nr_enqueued++;
	SCX_CALL_OP(sch, SCX_KF_ENQUEUE, enqueue, p, rq->cpu, p, enq_flags);
	sch->ddsp_task = NULL;
	if (p->scx.ddsp_dsq_id != SCX_DSQ_INVALID)
		goto direct;
	if (sch->exiting && p->scx.ops_state == SCX_OPSS_QUEUED && !p->scx.dsq) {
		/* the scheduler failed during ops.enqueue: keep the task going */
		p->scx.ops_state = SCX_OPSS_NONE;
		goto global;
	}
	return;
direct:
	direct_dispatch(sch, rq, p, enq_flags);
	return;
local:
	p->scx.slice = SCX_SLICE_DFL;
	scx_add_event(sch, SCX_EV_REFILL_SLICE_DFL, 1);
	scx_dispatch_enqueue(sch, &rq->scx.local, p, enq_flags | SCX_ENQ_CLEAR_OPSS);
	return;
global:
	p->scx.slice = SCX_SLICE_DFL;
	scx_add_event(sch, SCX_EV_REFILL_SLICE_DFL, 1);
	scx_dispatch_enqueue(sch, &sch->global, p, (enq_flags & ~SCX_ENQ_DSQ_PRIQ) | SCX_ENQ_CLEAR_OPSS);
}

static u64 core_to_scx_enq(int flags)
{
	/* a new task's first enqueue is not a wake-up (wake_up_new_task), as upstream */
	return (flags & ENQUEUE_WAKEUP) ? SCX_ENQ_WAKEUP : 0;
}

static void enqueue_task_scx(struct rq *rq, struct task_struct *p, int flags)
{
	struct scx_sched *sch = rq->m->scx;
	u64 enq_flags = core_to_scx_enq(flags);

	if (p->scx.flags & SCX_TASK_QUEUED)
		return;
	if (p->scx.selected_cpu >= 0) {
		enq_flags |= SCX_ENQ_CPU_SELECTED;
		if (p->scx.selected_cpu != rq->cpu) /* the core overrode select_cpu's choice */
			scx_add_event(sch, SCX_EV_SELECT_CPU_FALLBACK, 1);
	}
	p->scx.selected_cpu = -1;
	set_task_runnable(rq, p);
	p->scx.flags |= SCX_TASK_QUEUED;
	rq->scx.nr_running++;
	if (flags & (ENQUEUE_WAKEUP | ENQUEUE_INITIAL))
		p->scx.core_sched_at = rq->m->sim.now;
	SCX_CALL_OP(sch, SCX_KF_REST, runnable, p, rq->cpu, p, enq_flags);
	scx_do_enqueue(sch, rq, p, enq_flags);
}

/* ops_dequeue: take p back from the scheduler if it still owns it. */
static void ops_dequeue(struct scx_sched *sch, struct task_struct *p, u64 deq_flags)
{
	if (p->scx.ops_state == SCX_OPSS_QUEUED) {
		p->scx.ops_state = SCX_OPSS_NONE;
		SCX_CALL_OP(sch, SCX_KF_REST, dequeue, p, p->cpu, p, deq_flags);
	}
}

static void dequeue_task_scx(struct rq *rq, struct task_struct *p, int flags)
{
	struct scx_sched *sch = rq->m->scx;
	u64 deq_flags = (flags & DEQUEUE_SLEEP) ? SCX_DEQ_SLEEP : 0;

	if (!(p->scx.flags & SCX_TASK_QUEUED))
		return;
	ops_dequeue(sch, p, deq_flags);
	if (rq->curr == p) {
		update_curr_scx(rq);
		SCX_CALL_OP(sch, SCX_KF_REST, stopping, p, rq->cpu, p, false);
	}
	SCX_CALL_OP(sch, SCX_KF_REST, quiescent, p, rq->cpu, p, deq_flags);
	p->scx.flags &= ~SCX_TASK_QUEUED;
	rq->scx.nr_running--;
	if (p->scx.dsq)
		dsq_remove(p->scx.dsq, p);
	clr_task_runnable(rq, p, false);
}

/* ---- consuming DSQs -------------------------------------------------------------------- */

/* Move the first task of dsq that may run on rq to rq's local DSQ. */
bool scx_consume_dsq(struct scx_sched *sch, struct rq *rq, struct scx_dsq *dsq)
{
	for (struct task_struct *p = dsq_first(dsq); p; p = dsq_next(dsq, p)) {
		if (!task_can_run_on(p, rq))
			continue;
		dsq_remove(dsq, p);
		move_to_local(sch, rq, p, 0);
		return true;
	}
	return false;
}

/* Commit the tasks ops.dispatch() inserted (finish_dispatch). */
void scx_flush_dispatch(struct scx_sched *sch, struct rq *rq)
{
	for (u32 i = 0; i < sch->dsp_cursor; i++) {
		struct scx_dsp_buf_ent *e = &sch->dsp_buf[i];
		struct task_struct *p = e->task;

		/* dequeued or re-enqueued since: ignore, as upstream */
		if (p->scx.ops_state != SCX_OPSS_QUEUED || p->scx.ops_qseq != e->qseq ||
		    !(p->scx.flags & SCX_TASK_QUEUED) || p->scx.dsq)
			continue;
		p->scx.ops_state = SCX_OPSS_NONE;
		scx_dispatch_to_dsq_id(sch, rq, p, e->dsq_id, e->enq_flags);
	}
	sch->dsp_nr_tasks += sch->dsp_cursor;
	sch->dsp_cursor = 0;
}

/* balance_one: make sure rq has something to run, or decide to keep prev. */
static bool balance_scx(struct scx_sched *sch, struct rq *rq, struct task_struct *prev)
{
	bool prev_on_scx = prev && prev->sched_class == &ext_sched_class;
	bool prev_on_rq = prev_on_scx && (prev->scx.flags & SCX_TASK_QUEUED);
	int loops = SCX_DSP_MAX_LOOPS;

	rq->scx.bal_keep = false;
	if (rq->scx.cpu_released) {
		struct scx_cpu_acquire_args args = { 0 };
		rq->scx.cpu_released = false;
		SCX_CALL_OP(sch, SCX_KF_REST, cpu_acquire, NULL, rq->cpu, rq->cpu, &args);
	}
	if (prev_on_scx) {
		update_curr_scx(rq);
		if (prev_on_rq && prev->scx.slice && !sch->exiting) {
			rq->scx.bal_keep = true;
			return true;
		}
	}
	if (rq->scx.local.nr)
		return true;
	if (scx_consume_dsq(sch, rq, &sch->global))
		return true;
	if ((!sch->ops.dispatch && !sch->ops.consume) || sch->exiting || !rq->online)
		goto no_tasks;
	do {
		sch->dsp_nr_tasks = 0;
		sch->dsp_rq = rq;
		SCX_CALL_OP(sch, SCX_KF_DISPATCH, consume, NULL, rq->cpu, rq->cpu); /* v3 */
		if (rq->scx.local.nr)
			return true;
		sch->nr_dispatch_calls += sch->ops.dispatch != NULL;
		SCX_CALL_OP(sch, SCX_KF_DISPATCH, dispatch, prev_on_scx ? prev : NULL, rq->cpu, rq->cpu,
			    prev_on_scx ? prev : NULL);
		scx_flush_dispatch(sch, rq);
		sch->dsp_rq = NULL;
		if (prev_on_rq && prev->scx.slice) {
			rq->scx.bal_keep = true;
			return true;
		}
		if (rq->scx.local.nr)
			return true;
		if (scx_consume_dsq(sch, rq, &sch->global))
			return true;
		if (!--loops) {
			/* a dispatch loop without progress: finish this round, kick for another */
			scx_kick(sch, rq->cpu, 0);
			break;
		}
	} while (sch->dsp_nr_tasks && !sch->exiting);
no_tasks:
	if (prev_on_rq && (!(sch->ops.flags & SCX_OPS_ENQ_LAST) || sch->exiting)) {
		rq->scx.bal_keep = true;
		scx_add_event(sch, SCX_EV_DISPATCH_KEEP_LAST, 1);
		return true;
	}
	return false;
}

static struct task_struct *pick_task_scx(struct rq *rq)
{
	struct scx_sched *sch = rq->m->scx;
	struct task_struct *prev = rq->pick_prev;

	scx_kw_pick_starts(rq); /* a scheduling round (the kernel's kick_sync), idle or not */
	if (!sch || sch->disabled ||
	    (!rq->scx.nr_running && !sch->global.nr && !sch->ops.dispatch && !sch->ops.consume))
		return NULL;
	if (!balance_scx(sch, rq, prev))
		return NULL;
	if (rq->scx.bal_keep) {
		rq->scx.bal_keep = false;
		if (!prev->scx.slice) {
			prev->scx.slice = SCX_SLICE_DFL;
			scx_add_event(sch, SCX_EV_REFILL_SLICE_DFL, 1);
		}
		return prev;
	}
	return dsq_first(&rq->scx.local);
}

static void set_next_task_scx(struct rq *rq, struct task_struct *p)
{
	struct scx_sched *sch = rq->m->scx;

	if (p->scx.flags & SCX_TASK_QUEUED) {
		ops_dequeue(sch, p, 0);
		if (p->scx.dsq)
			dsq_remove(p->scx.dsq, p);
	}
	rq->scx.exec_start = rq->m->sim.now;
	if (p->scx.flags & SCX_TASK_QUEUED)
		SCX_CALL_OP(sch, SCX_KF_REST, running, p, rq->cpu, p);
	clr_task_runnable(rq, p, true);
}

static enum scx_cpu_preempt_reason preempt_reason(const struct sched_class *c)
{
	return c == &rt_sched_class ? SCX_CPU_PREEMPT_RT : SCX_CPU_PREEMPT_UNKNOWN;
}

static void put_prev_task_scx(struct rq *rq, struct task_struct *p)
{
	struct scx_sched *sch = rq->m->scx;
	struct task_struct *next = rq->put_next;

	scx_kw_advance(rq); /* its ext task leaves the CPU: waiters for this CPU go on */
	if (!sch)
		return;
	update_curr_scx(rq);
	if (p->scx.flags & SCX_TASK_QUEUED) {
		SCX_CALL_OP(sch, SCX_KF_REST, stopping, p, rq->cpu, p, true);
		set_task_runnable(rq, p);
		if (p->scx.slice && !sch->exiting)
			scx_dispatch_enqueue(sch, &rq->scx.local, p, SCX_ENQ_HEAD);
		else
			scx_do_enqueue(sch, rq, p, next ? 0 : SCX_ENQ_LAST);
	}
}

/* A task of a higher class was picked on rq: tell the scheduler it lost the CPU (once). */
void scx_next_task_picked(struct rq *rq, struct task_struct *next)
{
	struct scx_sched *sch = rq->m->scx;

	if (!sch || sch->disabled || next->sched_class == &ext_sched_class || rq->scx.cpu_released ||
	    sch->exiting)
		return;
	struct scx_cpu_release_args args = { preempt_reason(next->sched_class), next };
	rq->scx.cpu_released = true; /* even without ops.cpu_release: ops.cpu_acquire follows */
	SCX_CALL_OP(sch, SCX_KF_CPU_RELEASE, cpu_release, NULL, rq->cpu, rq->cpu, &args);
}

void update_curr_scx(struct rq *rq)
{
	struct task_struct *p = rq->curr;
	u64 now = rq->m->sim.now, delta;

	if (!p || p->sched_class != &ext_sched_class)
		return;
	if (rq->spinning) { /* SCX_KICK_WAIT: the wait does not consume the slice */
		rq->scx.exec_start = now;
		return;
	}
	delta = now - rq->scx.exec_start;
	rq->scx.exec_start = now;
	p->se.sum_exec_runtime += delta; /* update_curr_common: what flatcg's bypass charge reads */
	if (p->scx.slice != SCX_SLICE_INF)
		p->scx.slice -= MIN(p->scx.slice, delta);
}

static void update_curr_ext(struct rq *rq)
{
	update_curr_scx(rq);
}

static void task_tick_scx(struct rq *rq, struct task_struct *curr)
{
	struct scx_sched *sch = rq->m->scx;

	update_curr_scx(rq);
	SCX_CALL_OP(sch, SCX_KF_REST, tick, curr, rq->cpu, curr);
	if (!curr->scx.slice)
		resched_curr(rq);
}

static int select_task_rq_scx(struct task_struct *p, int prev_cpu, int wake_flags)
{
	struct scx_sched *sch = p->m->scx;
	u64 wf = (wake_flags & WF_FORK) ? SCX_WAKE_FORK : SCX_WAKE_TTWU;
	s32 cpu = prev_cpu;
	bool found = false;

	if (wake_flags & WF_SYNC)
		wf |= SCX_WAKE_SYNC;
	p->scx.selected_cpu = -1;
	if (p->nr_cpus_allowed == 1 || sch->exiting)
		return prev_cpu;
	if (sch->ops.select_cpu) {
		sch->ddsp_task = p;
		sch->ddsp_done = false;
		SCX_CALL_OP_RET(sch, SCX_KF_ENQUEUE | SCX_KF_SELECT_CPU, select_cpu, p, prev_cpu, cpu,
				p, prev_cpu, wf);
		sch->ddsp_task = NULL;
		if (!scx_cpu_valid(sch, cpu, "from ops.select_cpu()"))
			return prev_cpu;
		p->scx.selected_cpu = cpu;
		return cpu;
	}
	cpu = scx_select_cpu_dfl(sch, p, prev_cpu, wf, &found);
	if (found) {
		p->scx.slice = SCX_SLICE_DFL;
		scx_add_event(sch, SCX_EV_REFILL_SLICE_DFL, 1);
		p->scx.ddsp_dsq_id = SCX_DSQ_LOCAL;
	}
	return cpu;
}

static void yield_task_scx(struct rq *rq)
{
	struct scx_sched *sch = rq->m->scx;
	struct task_struct *p = rq->curr;

	if (sch->ops.yield && !sch->exiting) {
		bool ret = false;
		SCX_CALL_OP_RET(sch, SCX_KF_REST, yield, p, rq->cpu, ret, p, NULL);
		(void)ret;
	} else {
		p->scx.slice = 0;
	}
}

static void wakeup_preempt_scx(struct rq *rq, struct task_struct *p, int wake_flags)
{
	/* ext tasks preempt each other only through kicks and SCX_ENQ_PREEMPT */
}

const struct sched_class ext_sched_class = {
	.name = "ext",
	.rank = 3,
	.enqueue = enqueue_task_scx,
	.dequeue = dequeue_task_scx,
	.yield = yield_task_scx,
	.wakeup_preempt = wakeup_preempt_scx,
	.pick_task = pick_task_scx,
	.put_prev = put_prev_task_scx,
	.set_next = set_next_task_scx,
	.select_cpu = select_task_rq_scx,
	.tick = task_tick_scx,
	.update_curr = update_curr_ext,
};

void scx_rq_init(struct machine *m, struct rq *rq)
{
	dsq_init(&rq->scx.local, SCX_DSQ_LOCAL, rq->cpu);
	scx_kw_rq_init(rq);
}

bool scx_switch_in_tickless(struct rq *rq, struct task_struct *p)
{
	return p->sched_class == &ext_sched_class && p->scx.slice == SCX_SLICE_INF;
}

/* Core-sched order between two ext tasks: ops.core_sched_before, default FIFO. */
bool scx_core_sched_before(struct task_struct *a, struct task_struct *b)
{
	struct scx_sched *sch = a->m->scx;
	bool before = (s64)(a->scx.core_sched_at - b->scx.core_sched_at) < 0;

	if (sch && sch->ops.core_sched_before && !sch->ops_off)
		SCX_CALL_OP_RET(sch, SCX_KF_REST, core_sched_before, a, a->cpu, before, a, b);
	return before;
}

/* First task of rq's local DSQ with the given cookie (core-sched alternative pick). */
struct task_struct *scx_pick_compatible(struct rq *rq, u64 cookie)
{
	for (struct task_struct *p = dsq_first(&rq->scx.local); p; p = dsq_next(&rq->scx.local, p))
		if (p->core_cookie == cookie)
			return p;
	return NULL;
}
