/*
 * behave.c — what tasks do: executes each task's workload program (workload.h) in simulated
 * time, on the CPU the task runs on. RUN events consume CPU time; SLEEP/TIMER/IORUN block on a
 * timer; mutexes, condition variables, barriers and semaphores block and wake tasks exactly as
 * rt-app's pthread-based events do (FIFO wait lists, mutex hand-off to the first waiter).
 *
 * A task's position is (phase, ev, loop counters) in task_exec; events that take no time run
 * back to back inside one step. A program that loops forever without taking time (e.g. only
 * "resume" events) would freeze simulated time, so after STEP_SPIN_LIMIT such events in one step
 * the task spins 1 us of CPU (as the real thread would burn CPU), not counted as work.
 */
#include "machine_int.h"

#define STEP_SPIN_LIMIT 1000
#define SPIN_NS 1000

static struct res *task_res(struct task_struct *p, int idx)
{
	struct machine *m = p->m;

	if (p->priv_res && m->wl->res[idx].per_instance)
		return &p->priv_res[idx];
	return &m->res[idx];
}

static void waitq_push(struct res *r, struct task_struct *p)
{
	p->wait_next = NULL;
	if (r->waiters_tail)
		r->waiters_tail->wait_next = p;
	else
		r->waiters = p;
	r->waiters_tail = p;
}

static struct task_struct *waitq_pop(struct res *r)
{
	struct task_struct *p = r->waiters;

	if (p) {
		r->waiters = p->wait_next;
		if (!r->waiters)
			r->waiters_tail = NULL;
		p->wait_next = NULL;
	}
	return p;
}

static void wake_all(struct res *r)
{
	struct task_struct *w;

	while ((w = waitq_pop(r)))
		wake_up_task(w, 0);
}

/* Release mutex r held by p: hand it to the first waiter. */
static void mutex_release(struct res *r, struct task_struct *p)
{
	struct task_struct *w;

	if (r->owner != p)
		return;
	w = waitq_pop(r);
	r->owner = w;
	if (w)
		wake_up_task(w, 0);
}

/* Take mutex r or queue behind it. Returns true when taken. */
static bool mutex_acquire(struct res *r, struct task_struct *p)
{
	if (!r->owner || r->owner == p) {
		r->owner = p;
		return true;
	}
	waitq_push(r, p);
	return false;
}

static void sleep_for(struct task_struct *p, u64 ns)
{
	sim_schedule(&p->m->sim, &p->wake_ev, p->m->sim.now + ns, SIM_PRIO_WAKE);
}

/* rt-app timer: sleep until the timer's next expiry; a missed expiry does not sleep. */
static bool timer_wait(struct task_struct *p, const struct wl_event *e)
{
	struct res *r = task_res(p, e->res);
	u64 now = p->m->sim.now;

	if (!r->next)
		r->next = now;
	r->next += e->ns;
	if (r->next <= now) {
		if (!e->arg) /* relative: the reference restarts from now */
			r->next = now;
		return false;
	}
	sleep_for(p, r->next - now);
	return true;
}

static void sem_post(struct res *r, u32 n)
{
	struct task_struct *w;

	r->tokens += n ? n : 1;
	while (r->tokens && (w = waitq_pop(r))) {
		r->tokens--;
		wake_up_task(w, 0);
	}
}

/* Phase-level "cpus" replace the task's affinity while the phase runs (rt-app semantics). */
static void apply_phase_affinity(struct task_struct *p, const struct wl_phase *ph)
{
	const struct wl_task *wt = p->x.wt;
	struct cpumask mk;

	if (ph->has_cpus) {
		cpumask_clear(&mk);
		for (int i = 0; i < ph->nr_cpus; i++)
			cpumask_set(&mk, ph->cpus[i]);
	} else if (wt->cpus) {
		cpumask_clear(&mk);
		for (int i = 0; i < wt->nr_cpus; i++)
			cpumask_set(&mk, wt->cpus[i]);
	} else {
		mk = p->m->topo->all;
	}
	if (cpumask_equal(&mk, &p->cpus_mask))
		return;
	p->cpus_mask = mk;
	p->nr_cpus_allowed = cpumask_weight(&mk);
	if (p->m->scx)
		scx_set_cpumask(p);
	if (!cpumask_test(&mk, p->cpu))
		p->x.must_migrate = true;
}

/* Advance to the next event, handling phase and task loops. NULL = program finished. */
static const struct wl_event *next_event(struct task_struct *p)
{
	struct task_exec *x = &p->x;
	const struct wl_task *wt = x->wt;

	for (;;) {
		if (x->phase >= wt->nr_phases) {
			x->loop_task++;
			if (wt->loop != -1 && x->loop_task >= wt->loop)
				return NULL;
			x->phase = x->ev = x->loop_phase = 0;
		}
		const struct wl_phase *ph = &wt->phases[x->phase];
		if (x->ev == 0 && x->loop_phase == 0 && wt->nr_phases > 1)
			apply_phase_affinity(p, ph);
		if (x->ev < ph->nr_ev)
			return &ph->ev[x->ev++];
		x->ev = 0;
		if (++x->loop_phase >= ph->loop) {
			x->loop_phase = 0;
			x->phase++;
		}
	}
}

/* Execute one event; returns true when the task must stop stepping with *res. */
static bool exec_event(struct task_struct *p, const struct wl_event *e, enum step_result *res)
{
	struct task_exec *x = &p->x;
	struct machine *m = p->m;

	*res = STEP_BLOCK;
	switch (e->kind) {
	case WL_EV_RUN:
		if (!e->ns)
			return false;
		x->work_left = e->ns;
		x->in_work = true;
		*res = STEP_RUN;
		return true;
	case WL_EV_RUNTIME:
		if (!e->ns)
			return false;
		x->runtime_until = m->sim.now + e->ns;
		x->work_left = e->ns;
		x->in_work = true;
		*res = STEP_RUN;
		return true;
	case WL_EV_SLEEP:
	case WL_EV_IORUN:
		if (!e->ns)
			return false;
		sleep_for(p, e->ns);
		return true;
	case WL_EV_TIMER:
		return timer_wait(p, e);
	case WL_EV_SUSPEND:
		waitq_push(task_res(p, e->res), p);
		return true;
	case WL_EV_RESUME:
	case WL_EV_BROADCAST:
		wake_all(task_res(p, e->res));
		return false;
	case WL_EV_SIGNAL: {
		struct task_struct *w = waitq_pop(task_res(p, e->res));
		if (w)
			wake_up_task(w, 0);
		return false;
	}
	case WL_EV_LOCK:
		return !mutex_acquire(task_res(p, e->res), p);
	case WL_EV_UNLOCK:
		mutex_release(task_res(p, e->res), p);
		return false;
	case WL_EV_SYNC:
	case WL_EV_WAIT:
		if (e->kind == WL_EV_SYNC) {
			struct task_struct *w = waitq_pop(task_res(p, e->res));
			if (w)
				wake_up_task(w, 0);
		}
		if (e->res2 >= 0) {
			mutex_release(task_res(p, e->res2), p);
			x->relock = e->res2;
		}
		waitq_push(task_res(p, e->res), p);
		return true;
	case WL_EV_BARRIER: {
		struct res *r = task_res(p, e->res);
		if (++r->arrived >= r->users) {
			r->arrived = 0;
			wake_all(r);
			return false;
		}
		waitq_push(r, p);
		return true;
	}
	case WL_EV_SEM_POST:
		sem_post(task_res(p, e->res), e->arg);
		return false;
	case WL_EV_SEM_WAIT: {
		struct res *r = task_res(p, e->res);
		if (r->tokens) {
			r->tokens--;
			return false;
		}
		waitq_push(r, p);
		return true;
	}
	case WL_EV_YIELD:
		*res = STEP_YIELD;
		return true;
	}
	return false;
}

enum step_result task_step(struct task_struct *p)
{
	struct task_exec *x = &p->x;
	enum step_result res;
	int n = 0;

	if (x->in_work) {
		if (task_work_remaining(p, p->m->sim.now))
			return STEP_RUN;
		x->in_work = false;
		x->spin = false;
		x->runtime_until = 0;
	}
	if (x->relock >= 0) {
		struct res *r = task_res(p, x->relock);
		if (!mutex_acquire(r, p))
			return STEP_BLOCK; /* woken again by the hand-off */
		x->relock = -1;
	}
	for (;;) {
		const struct wl_event *e = next_event(p);
		if (!e)
			return STEP_EXIT;
		if (x->must_migrate) {
			x->ev--; /* run this event after the move */
			x->must_migrate = false;
			return STEP_MIGRATE;
		}
		if (exec_event(p, e, &res))
			return res;
		if (++n >= STEP_SPIN_LIMIT) {
			x->work_left = SPIN_NS;
			x->in_work = true;
			x->spin = true;
			x->runtime_until = p->m->sim.now + SPIN_NS;
			return STEP_RUN;
		}
	}
}

u64 task_work_remaining(const struct task_struct *p, u64 now)
{
	const struct task_exec *x = &p->x;

	if (!x->in_work)
		return 0;
	if (x->runtime_until)
		return x->runtime_until > now ? x->runtime_until - now : 0;
	return x->work_left;
}

/* Credit the work curr did since rq->work_start. */
void task_account_work(struct rq *rq, struct task_struct *p)
{
	u64 now = rq->m->sim.now, d;
	struct task_exec *x = &p->x;

	if (now <= rq->work_start)
		return;
	d = now - rq->work_start;
	rq->work_start = now;
	if (!x->in_work)
		return;
	if (x->runtime_until) {
		/* RUNTIME: busy until a wall time; credited as work when it ends */
		if (now >= x->runtime_until && x->work_left) {
			if (!x->spin)
				p->st.work_done_ns += x->work_left;
			x->work_left = 0;
		}
		return;
	}
	d = MIN(d, x->work_left);
	x->work_left -= d;
	p->st.work_done_ns += d;
}
