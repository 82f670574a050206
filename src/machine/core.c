/*
 * core.c — the scheduler core of the simulated kernel: per-CPU events (work done, tick,
 * resched), __schedule() with pick_next_task over the classes, wake-ups with CPU selection and
 * wake-up preemption, blocking, exit, yield, migration, and CPU time accounting.
 *
 * Every CPU has three events: done_ev (its current task reaches the end of its current work
 * or must execute its next workload step), tick_ev (periodic tick while busy; stopped while idle,
 * like NO_HZ_IDLE) and resched_ev (the CPU enters the scheduler; delayed by wakeup_ipi_ns when
 * another CPU asked). A CPU is idle when it runs nothing and has nothing queued.
 *
 * A CPU may busy-wait at the end of a scheduling round (SCX_KICK_WAIT, src/scx/kick.c): while
 * rq->spinning its current task's work does not progress (done_ev is cancelled and work_start
 * is pushed to infinity, so nothing credits work), resched requests are held until the wait
 * ends, and the wait counts as the current task's runtime (it runs in that task's context, as
 * the kernel's balance callback does; not IRQ time).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine_int.h"

static const struct sched_class *const classes[] = { &rt_sched_class, &fair_sched_class,
						      &ext_sched_class };

int class_index(const struct sched_class *c)
{
	return c == &ext_sched_class ? 0 : c == &fair_sched_class ? 1 : 2;
}

const char *task_class_name(const struct task_struct *p)
{
	static const char *const names[] = { "ext", "fair", "rt" };

	return names[class_index(p->sched_class)];
}

bool cpus_share_llc(struct machine *m, int a, int b)
{
	return m->topo->cpus[a].llc == m->topo->cpus[b].llc;
}

void machine_violation(struct machine *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "t=%llu ns: ", (unsigned long long)m->sim.now);
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (m->nr_violations >= 1000) /* keep the first thousand; count the rest */
		return;
	char **v = realloc(m->violations, (m->nr_violations + 1) * sizeof(*v));
	if (!v)
		return;
	m->violations = v;
	m->violations[m->nr_violations++] = strdup(buf);
}

void update_idle_state(struct rq *rq)
{
	if (!rq->curr && !rq->nr_running)
		cpumask_set(&rq->m->idle, rq->cpu);
	else
		cpumask_unset(&rq->m->idle, rq->cpu);
}

/* Every change of a CPU's runnable count passes here: the deadline servers start or stop. */
void add_nr_running(struct rq *rq, int n)
{
	bool was_idle = n > 0 && !rq->curr && !rq->nr_running;

	rq->nr_running += n;
	update_idle_state(rq);
	dlserver_sync(rq, was_idle);
}

static void go_idle(struct rq *rq);

/* An offline CPU only gets rid of what it runs: prev goes to an online CPU. */
static void schedule_offline(struct rq *rq, struct task_struct *prev)
{
	rq->in_schedule = false;
	if (!prev)
		return;
	rq->put_next = NULL;
	prev->sched_class->put_prev(rq, prev);
	prev->on_cpu = false;
	if (rq->m->trace)
		trace_slice(rq->m, rq->cpu, prev, rq->slice_start, rq->m->sim.now);
	rq->curr = NULL;
	rq->nr_switches++;
	update_idle_state(rq);
	go_idle(rq);
	if (prev->on_rq) {
		prev->st.last_queued = rq->m->sim.now;
		prev->st.waiting = true;
		move_queued_task_off(prev);
	}
}

static void resched_fn(struct sim *s, struct sim_event *ev);
static void go_idle(struct rq *rq);

/* rq must enter the scheduler after `delay` ns (at least one switch later when it is picking). */
void resched_curr_after(struct rq *rq, u64 delay)
{
	struct machine *m = rq->m;

	if (rq->need_resched)
		return;
	rq->need_resched = true;
	if (rq->in_schedule) /* asked again while picking: at least one switch later, never a zero-time loop */
		delay = MAX(delay, MAX(m->p.ctx_switch_ns, 1000));
	sim_schedule(&m->sim, &rq->resched_ev, m->sim.now + delay, SIM_PRIO_RESCHED);
}

/*
 * rq must enter the scheduler: at once on this CPU, after an IPI on another one; a CPU that has
 * been idle for idle_deep_ns or more first leaves its deep idle state (idle_exit_ns).
 */
void resched_curr(struct rq *rq)
{
	struct machine *m = rq->m;
	u64 delay = rq->cpu == m->cur_cpu ? 0 : m->p.wakeup_ipi_ns;

	if (!rq->curr && rq->online && m->sim.now - rq->idle_since >= m->p.idle_deep_ns)
		delay += m->p.idle_exit_ns;
	resched_curr_after(rq, delay);
}

/* ---- busy-wait in the scheduler (SCX_KICK_WAIT) ---------------------------------------- */

#define WORK_FROZEN ((u64)-1) /* work_start while spinning: task_account_work credits nothing */

static void program_done(struct rq *rq);

/* rq spins from now: curr keeps the CPU but its work stands still. */
void rq_spin_begin(struct rq *rq)
{
	u64 now = rq->m->sim.now;

	if (rq->spinning)
		return;
	if (rq->curr) {
		update_rq_curr(rq);
		task_account_work(rq, rq->curr);
		rq->spin_work_delay = rq->work_start > now ? rq->work_start - now : 0;
		rq->work_start = WORK_FROZEN;
	}
	sim_cancel(&rq->m->sim, &rq->done_ev);
	rq->spinning = true;
	rq->spin_since = now;
}

/* The wait is over: curr's work resumes (after the switch cost it had left), held resched runs. */
void rq_spin_end(struct rq *rq)
{
	struct machine *m = rq->m;
	u64 now = m->sim.now;

	if (!rq->spinning)
		return;
	if (rq->curr)
		update_rq_curr(rq); /* the wait is curr's runtime; spinning keeps its ext slice */
	rq->spinning = false;
	if (rq->curr) {
		rq->work_start = now + rq->spin_work_delay;
		program_done(rq);
	}
	if (m->trace)
		trace_span(m, rq->cpu, "kick wait", rq->spin_since, now, NULL);
	if (rq->need_resched && !sim_event_pending(&rq->resched_ev))
		sim_schedule(&m->sim, &rq->resched_ev, now, SIM_PRIO_RESCHED);
}

/* Charge curr's on-CPU time up to now. */
void update_rq_curr(struct rq *rq)
{
	struct task_struct *p = rq->curr;
	u64 now = rq->m->sim.now, delta;

	if (!p)
		return;
	delta = now - rq->exec_start;
	rq->exec_start = now;
	p->st.runtime_ns += delta;
	p->st.runtime_by_class[class_index(p->sched_class)] += delta;
	if (p->sched_class->update_curr)
		p->sched_class->update_curr(rq);
	dlserver_account(rq, p, delta);
}

void activate_task(struct rq *rq, struct task_struct *p, int flags)
{
	p->sched_class->enqueue(rq, p, flags);
	p->on_rq = true;
	add_nr_running(rq, 1);
}

void deactivate_task(struct rq *rq, struct task_struct *p, int flags)
{
	p->sched_class->dequeue(rq, p, flags);
	p->on_rq = false;
	add_nr_running(rq, -1);
}

/* Move p's CPU to new_cpu (p not queued). Counts a migration when it changes. */
void set_task_cpu(struct task_struct *p, int new_cpu)
{
	if (p->cpu != new_cpu) {
		p->st.nr_migrations++;
		p->m->nr_migrations++;
		if (p->m->trace) {
			char from[24];
			snprintf(from, sizeof(from), "from cpu %d", p->cpu);
			trace_instant(p->m, new_cpu, "migrate", p, from);
		}
	}
	p->cpu = new_cpu;
	fair_attach_cpu(p);
}

/* Move a queued, not running task to another CPU (load balancing, rt push/pull). */
void migrate_task(struct task_struct *p, int new_cpu)
{
	struct machine *m = p->m;
	struct rq *src = cpu_rq(m, p->cpu), *dst = cpu_rq(m, new_cpu);

	deactivate_task(src, p, DEQUEUE_SAVE);
	set_task_cpu(p, new_cpu);
	activate_task(dst, p, ENQUEUE_MIGRATED);
	if (!dst->curr)
		resched_curr(dst);
	else if (p->sched_class == dst->curr->sched_class)
		p->sched_class->wakeup_preempt(dst, p, 0);
	else if (p->sched_class->rank < dst->curr->sched_class->rank)
		resched_curr(dst);
}

static void wakeup_preempt(struct rq *rq, struct task_struct *p, int wake_flags)
{
	struct task_struct *curr = rq->curr;

	if (!curr)
		resched_curr(rq);
	else if (p->sched_class == curr->sched_class)
		p->sched_class->wakeup_preempt(rq, p, wake_flags);
	else if (p->sched_class->rank < curr->sched_class->rank)
		resched_curr(rq);
}

/* A CPU in p's mask: the class's choice when valid, else the first allowed one. */
static int select_task_rq(struct task_struct *p, int wake_flags)
{
	int cpu = p->sched_class->select_cpu(p, p->cpu, wake_flags);

	if (cpu < 0 || cpu >= p->m->nr_cpus || !cpumask_test(&p->cpus_mask, cpu) ||
	    !cpu_rq(p->m, cpu)->online)
		cpu = select_fallback_cpu(p, p->cpu >= 0 ? p->cpu - 1 : -1);
	return cpu;
}

/* try_to_wake_up: p becomes runnable on a CPU its class selects. */
void wake_up_task(struct task_struct *p, int wake_flags)
{
	struct machine *m = p->m;
	u64 now = m->sim.now;
	int cpu, flags = ENQUEUE_WAKEUP;

	if (p->state == TASK_RUNNABLE || p->state == TASK_DEAD)
		return;
	if (p->state == TASK_NEW) {
		flags = ENQUEUE_INITIAL;
		wake_flags |= WF_FORK;
		if (m->scx)
			scx_task_fork(p);
	} else if (wake_flags & WF_MOVE) {
		flags = 0;
	} else {
		p->st.nr_wakeups++;
		p->st.wake_ts = now;
		p->st.wake_pending = true;
		p->st.wake_from_cpu = m->cur_cpu;
	}
	p->state = TASK_RUNNABLE;
	cpu = select_task_rq(p, wake_flags);
	if (cpu < 0) {
		machine_violation(m, "pid %d: no online CPU in its affinity mask", p->pid);
		return;
	}
	if (cpu != p->cpu) {
		set_task_cpu(p, cpu);
		flags |= ENQUEUE_MIGRATED;
	}
	activate_task(cpu_rq(m, cpu), p, flags);
	if (m->trace)
		trace_instant(m, cpu, flags & ENQUEUE_INITIAL ? "start" : flags & ENQUEUE_WAKEUP ? "wakeup" : "move",
			      p, NULL);
	p->st.last_queued = now;
	p->st.waiting = true;
	wakeup_preempt(cpu_rq(m, cpu), p, wake_flags);
}

/* ---- per-CPU scheduling ---------------------------------------------------------------- */

static struct task_struct *pick_next_task(struct rq *rq, struct task_struct *prev)
{
	struct task_struct *next = NULL;

	rq->pick_prev = prev;
	next = dlserver_pick(rq); /* the deadline class: a running fair/ext server */
	for (size_t i = 0; i < ARRAY_SIZE(classes) && !next; i++)
		next = classes[i]->pick_task(rq);
	rq->pick_prev = NULL;
	if (rq->m->core_sched)
		next = core_pick(rq, next);
	if (next != prev) {
		rq->put_next = next;
		if (prev)
			prev->sched_class->put_prev(rq, prev);
		rq->put_next = NULL;
	}
	/* after put_prev, as the kernel's switch_class() at the end of put_prev_task_scx(): an ext
	 * task preempted with slice left is already on the local DSQ, where ops.cpu_release can
	 * take it back with scx_bpf_reenqueue_local() */
	if (next && rq->m->scx && next->sched_class != &ext_sched_class)
		scx_next_task_picked(rq, next);
	if (next != prev && next)
		next->sched_class->set_next(rq, next);
	return next;
}

/* Program done_ev for curr: at the end of its work, or at once (after switch cost) to step. */
static void program_done(struct rq *rq)
{
	struct task_struct *p = rq->curr;
	u64 t = rq->work_start;

	if (p->x.in_work)
		t += task_work_remaining(p, rq->work_start > rq->m->sim.now ? rq->work_start : rq->m->sim.now);
	sim_schedule(&rq->m->sim, &rq->done_ev, t, SIM_PRIO_WORK);
}

static void start_tick(struct rq *rq)
{
	struct machine *m = rq->m;

	if (!sim_event_pending(&rq->tick_ev))
		sim_schedule(&m->sim, &rq->tick_ev, (m->sim.now / m->tick_ns + 1) * m->tick_ns,
			     SIM_PRIO_TICK);
}

static void switch_in(struct rq *rq, struct task_struct *p, bool from_idle)
{
	struct machine *m = rq->m;
	u64 now = m->sim.now, cost = m->p.ctx_switch_ns;

	if (from_idle) {
		rq->idle_ns += now - rq->idle_since;
		if (m->scx)
			scx_update_idle(rq, false);
	}
	p->on_cpu = true;
	if (p->st.waiting) {
		p->st.wait_ns += now - p->st.last_queued;
		p->st.waiting = false;
	}
	if (p->st.wake_pending) {
		u64 lat = now - p->st.wake_ts;
		p->st.wake_pending = false;
		if (m->trace)
			trace_flow(m, p->st.wake_from_cpu >= 0 ? p->st.wake_from_cpu : rq->cpu,
				   p->st.wake_ts, rq->cpu, now);
		if (hist_record(&p->st.wake_lat, lat) || hist_record(&m->wake_lat, lat))
			machine_violation(m, "pid %d: out of memory recording wake-up latency", p->pid);
	}
	if (p->last_ran_cpu >= 0 && p->last_ran_cpu != rq->cpu)
		cost += m->p.migration_ns;
	p->last_ran_cpu = rq->cpu;
	if (!cpumask_test(&p->cpus_mask, rq->cpu))
		machine_violation(m, "cpu %d runs pid %d outside its affinity", rq->cpu, p->pid);
	rq->exec_start = now;
	rq->slice_start = now;
	rq->work_start = now + cost;
	p->st.nr_switches++;
	program_done(rq);
	if (m->scx && scx_switch_in_tickless(rq, p))
		sim_cancel(&m->sim, &rq->tick_ev); /* SCX_SLICE_INF: tickless */
	else
		start_tick(rq);
}

static void go_idle(struct rq *rq)
{
	rq->idle_since = rq->m->sim.now;
	sim_cancel(&rq->m->sim, &rq->done_ev);
	sim_cancel(&rq->m->sim, &rq->tick_ev);
	if (rq->m->scx)
		scx_update_idle(rq, true);
}

/* __schedule(): account prev, pick next, switch. */
static void schedule(struct rq *rq)
{
	struct machine *m = rq->m;
	struct task_struct *prev = rq->curr, *next;
	struct dl_server *prev_server = rq->dl_server;

	rq->need_resched = false;
	sim_cancel(&m->sim, &rq->resched_ev);
	rq->in_schedule = true;
	if (prev) {
		update_rq_curr(rq);
		task_account_work(rq, prev);
	}
	if (!rq->online) {
		schedule_offline(rq, prev);
		rq->dl_server = NULL;
		dlserver_schedule_done(rq, prev_server);
		return;
	}
	rt_check_pull(rq);
	next = pick_next_task(rq, prev);
	if (!next && fair_sched_class.balance(rq))
		next = pick_next_task(rq, NULL);
	rq->in_schedule = false;
	if (next == prev) {
		if (next) {
			rq->work_start = MAX(rq->work_start, m->sim.now);
			program_done(rq);
		}
		dlserver_schedule_done(rq, prev_server);
		if (m->scx)
			scx_schedule_done(rq);
		return;
	}
	if (prev) {
		prev->on_cpu = false;
		if (m->trace)
			trace_slice(m, rq->cpu, prev, rq->slice_start, m->sim.now);
		if (prev->on_rq) {
			prev->st.last_queued = m->sim.now;
			prev->st.waiting = true;
			prev->st.nr_preempted++;
		}
	}
	rq->curr = next;
	rq->nr_switches++; /* as the kernel's rq->nr_switches: to and from idle too */
	update_idle_state(rq);
	if (next)
		switch_in(rq, next, !prev);
	else
		go_idle(rq);
	dlserver_schedule_done(rq, prev_server);
	if (m->core_sched) {
		core_check(rq);
		core_sibling_changed(rq);
	}
	if (m->scx)
		scx_schedule_done(rq);
}

static void resched_fn(struct sim *s, struct sim_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, resched_ev);

	if (rq->spinning) /* need_resched stays set: rq_spin_end schedules again */
		return;
	rq->m->cur_cpu = rq->cpu;
	schedule(rq);
	rq->m->cur_cpu = -1;
}

void block_current(struct rq *rq, struct task_struct *p)
{
	p->state = TASK_BLOCKED;
	deactivate_task(rq, p, DEQUEUE_SLEEP);
}

void exit_current(struct rq *rq, struct task_struct *p)
{
	struct machine *m = rq->m;

	p->state = TASK_DEAD;
	p->flags |= PF_EXITING;
	deactivate_task(rq, p, DEQUEUE_SLEEP);
	if (m->scx)
		scx_task_dead(p);
	p->st.finished = true;
	if (p->st.work_total_ns >= 0 && (s64)p->st.work_done_ns != p->st.work_total_ns)
		machine_violation(m, "pid %d (%s) exited with work_done %llu != work_total %lld",
				  p->pid, p->comm, (unsigned long long)p->st.work_done_ns,
				  (long long)p->st.work_total_ns);
	if (--m->nr_alive == 0)
		m->sim.stop = true;
}

/* Workload step on the CPU: the current task finished its work or must execute events. */
static void done_fn(struct sim *s, struct sim_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, done_ev);
	struct task_struct *p = rq->curr;
	struct machine *m = rq->m;

	m->cur_cpu = rq->cpu;
	update_rq_curr(rq);
	task_account_work(rq, p);
	switch (task_step(p)) {
	case STEP_RUN:
		program_done(rq);
		break;
	case STEP_BLOCK:
		block_current(rq, p);
		schedule(rq);
		break;
	case STEP_EXIT:
		exit_current(rq, p);
		schedule(rq);
		break;
	case STEP_MIGRATE:
		/* the running task's affinity no longer includes this CPU: requeue it elsewhere */
		/* take it off this CPU first (the kernel's stopper), then place it anew */
		p->state = TASK_BLOCKED;
		deactivate_task(rq, p, DEQUEUE_SAVE);
		schedule(rq);
		wake_up_task(p, WF_MOVE);
		break;
	case STEP_YIELD:
		if (p->sched_class->yield)
			p->sched_class->yield(rq);
		schedule(rq);
		break;
	}
	m->cur_cpu = -1;
}

static void tick_fn(struct sim *s, struct sim_event *ev)
{
	struct rq *rq = container_of(ev, struct rq, tick_ev);
	struct machine *m = rq->m;

	if (!rq->curr)
		return;
	m->cur_cpu = rq->cpu;
	rq->nr_ticks++;
	update_rq_curr(rq);
	rq->curr->sched_class->tick(rq, rq->curr);
	fair_nohz_kick(rq);
	sim_schedule(&m->sim, &rq->tick_ev, m->sim.now + m->tick_ns, SIM_PRIO_TICK);
	m->cur_cpu = -1;
}

void rq_init(struct machine *m, struct rq *rq, int cpu)
{
	rq->cpu = cpu;
	rq->m = m;
	rq->online = true;
	sim_event_init(&rq->done_ev, done_fn);
	sim_event_init(&rq->tick_ev, tick_fn);
	sim_event_init(&rq->resched_ev, resched_fn);
	fair_init_rq(m, rq);
	scx_rq_init(m, rq);
	dlserver_rq_init(rq);
	core_rq_init(rq);
	update_idle_state(rq);
}

/*
 * The kernel's sched_change pattern: take p off its CPU (dequeue, put_prev if running) to change
 * one of its scheduling properties, then put it back the same way (enqueue, set_next).
 */
void task_change_begin(struct task_struct *p, struct task_change *c)
{
	c->rq = cpu_rq(p->m, p->cpu);
	c->queued = p->on_rq;
	c->running = p->on_cpu;
	if (c->running) {
		update_rq_curr(c->rq);
		task_account_work(c->rq, p);
	}
	if (c->queued)
		p->sched_class->dequeue(c->rq, p, DEQUEUE_SAVE);
	if (c->running)
		p->sched_class->put_prev(c->rq, p);
}

/* resched: also when p was only queued (a class change), not only when it was running */
void task_change_end(struct task_struct *p, const struct task_change *c, bool resched_queued)
{
	if (c->queued)
		p->sched_class->enqueue(c->rq, p, ENQUEUE_RESTORE);
	if (c->running)
		p->sched_class->set_next(c->rq, p);
	if (c->running || (resched_queued && c->queued))
		resched_curr(c->rq);
	dlserver_sync(c->rq, false); /* a class change moves the task between servers */
}

/* Move p to another class (scheduler load/unload, policy change): __sched_setscheduler. */
void task_set_class(struct task_struct *p, const struct sched_class *cls)
{
	struct task_change c;

	if (p->sched_class == cls)
		return;
	task_change_begin(p, &c);
	p->sched_class = cls;
	task_change_end(p, &c, true);
}

/* End of the run: charge running tasks and idle CPUs up to now. */
void machine_settle(struct machine *m)
{
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		if (rq->curr) {
			update_rq_curr(rq);
			task_account_work(rq, rq->curr);
			dlserver_settle(rq);
		} else {
			rq->idle_ns += m->sim.now - rq->idle_since;
			rq->idle_since = m->sim.now;
		}
	}
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->on_rq && !p->on_cpu && p->st.waiting) {
			p->st.wait_ns += m->sim.now - p->st.last_queued;
			p->st.last_queued = m->sim.now;
		}
	}
}
