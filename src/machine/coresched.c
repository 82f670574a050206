/*
 * coresched.c — SMT core scheduling: tasks with different core cookies never run on sibling
 * CPUs at the same time (cookie 0 = untagged, itself a cookie, as in the kernel). Active only
 * when some task has a cookie and the machine has SMT.
 *
 * Model (simpler than the kernel's core-wide pick, same guarantee): when a CPU picks, its
 * candidate must match the cookie of every busy sibling. If it does not, the candidate still
 * wins — and the incompatible siblings are rescheduled — when it is of a higher class or rt
 * priority, or (fair and ext) when it has waited at least one base slice and orders before the
 * sibling's task (ext: ops.core_sched_before, default FIFO by the time it became runnable).
 * Otherwise the CPU runs its best compatible task, or idles ("forced idle") and looks again
 * when a sibling changes task or one base slice later. Forced idle is therefore bounded.
 */
#include "machine_int.h"

bool core_sched_active(const struct machine *m)
{
	return m->nr_cookied > 0 && m->topo->nr_cores < m->nr_cpus;
}

static bool cookie_ok(const struct rq *rq, u64 cookie, struct task_struct **clash)
{
	const struct cpumask *sib = &rq->m->topo->smt[rq->cpu];
	int c;

	*clash = NULL;
	for_each_cpu(c, sib) {
		struct rq *o = cpu_rq(rq->m, c);
		if (c == rq->cpu || !o->curr || o->need_resched)
			continue;
		if (o->curr->core_cookie != cookie) {
			*clash = o->curr;
			return false;
		}
	}
	return true;
}

/* Does waiting task a get to displace running task b of a sibling? */
static bool wins_over(struct machine *m, struct task_struct *a, struct task_struct *b)
{
	u64 waited = a->st.waiting ? m->sim.now - a->st.last_queued : 0;

	if (a->sched_class != b->sched_class)
		return a->sched_class->rank < b->sched_class->rank;
	if (a->sched_class == &rt_sched_class)
		return a->rt_prio > b->rt_prio;
	if (waited < m->base_slice)
		return false;
	if (a->sched_class == &ext_sched_class)
		return scx_core_sched_before(a, b);
	return true;
}

/* Best queued task of rq compatible with cookie, by class order; NULL if none. */
static struct task_struct *pick_compatible(struct rq *rq, u64 cookie)
{
	struct task_struct *best = NULL;

	for (int i = 0; i < RT_PRIO_LEVELS; i++)
		for (struct task_struct *p = rq->rt.head[i]; p; p = p->rt.next)
			if (p->core_cookie == cookie && (!p->on_cpu || p == rq->curr))
				return p;
	for (struct task_struct *p = rq->cfs_head; p; p = p->cfs_next)
		if (p->core_cookie == cookie && (!best || (s64)(p->se.deadline - best->se.deadline) < 0))
			best = p;
	if (best)
		return best;
	return scx_pick_compatible(rq, cookie);
}

static void arm_recheck(struct rq *rq)
{
	struct machine *m = rq->m;

	sim_schedule(&m->sim, &rq->core_ev, m->sim.now + m->base_slice, SIM_PRIO_RESCHED);
}

/* Filter the class pick `next` of rq through the core's cookie constraint. */
struct task_struct *core_pick(struct rq *rq, struct task_struct *next)
{
	struct machine *m = rq->m;
	struct task_struct *clash, *alt;

	rq->core_forced_idle = false;
	if (!next || cookie_ok(rq, next->core_cookie, &clash))
		return next;
	if (wins_over(m, next, clash)) {
		int c;
		for_each_cpu(c, &m->topo->smt[rq->cpu]) {
			struct rq *o = cpu_rq(m, c);
			/* the core-wide decision takes effect on the siblings at once (the
			 * kernel picks for the whole core under one lock) */
			if (c != rq->cpu && o->curr && o->curr->core_cookie != next->core_cookie)
				resched_curr_after(o, 0);
		}
		return next;
	}
	alt = pick_compatible(rq, clash->core_cookie);
	if (!alt) {
		rq->core_forced_idle = true;
		m->nr_forced_idle++;
		arm_recheck(rq);
	}
	return alt;
}

/* rq changed what it runs: forced-idle siblings look again. */
void core_sibling_changed(struct rq *rq)
{
	int c;

	for_each_cpu(c, &rq->m->topo->smt[rq->cpu]) {
		struct rq *o = cpu_rq(rq->m, c);
		if (c != rq->cpu && o->core_forced_idle)
			resched_curr(o);
	}
}

static void core_ev_fn(struct sim *s, struct sim_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, core_ev);

	if (rq->core_forced_idle)
		resched_curr(rq);
}

void core_rq_init(struct rq *rq)
{
	sim_event_init(&rq->core_ev, core_ev_fn);
}

/* Invariant, checked on every switch: siblings run compatible cookies. */
void core_check(struct rq *rq)
{
	struct task_struct *clash;

	if (rq->curr && !cookie_ok(rq, rq->curr->core_cookie, &clash))
		machine_violation(rq->m, "core-sched: cpu %d runs %s[%d] (cookie %llu) next to %s[%d] (cookie %llu)",
				  rq->cpu, rq->curr->comm, rq->curr->pid,
				  (unsigned long long)rq->curr->core_cookie, clash->comm, clash->pid,
				  (unsigned long long)clash->core_cookie);
}
