/*
 * dlserver.c — the deferred deadline servers of kernel/sched/deadline.c (dl_server_*): per CPU,
 * one for the fair class (fair.c fair_server_init, Linux 6.8+, deferred since 6.12) and one for
 * the ext class (ext.c ext_server_init, "sched_ext: Add a DL server for sched_ext tasks",
 * commit cd959a356205, first released in 7.0). A server is a SCHED_DEADLINE entity with
 * `runtime` per `period` (50 ms / 1 s by default) that, when it runs, picks from its class; as
 * the deadline class sits above rt, it lets starved fair/ext tasks run under rt hogs.
 *
 * States (the kernel's dl_server comment, "sched/deadline: Document dl_server"):
 *   inactive  (!active)                the class has no task on this CPU, or runtime 0;
 *   armed     (throttled && armed)     waiting for the zero-laxity point deadline - runtime;
 *   running   (!throttled)             queued above rt: the CPU picks the class through it;
 *   throttled (throttled && !armed)    its runtime is spent: waits for the replenishment.
 * A server starts when its class gets its first task on the CPU and stops when the last one
 * leaves (6.12's enqueue/dequeue hooks). On start it keeps its deadline and runtime unless the
 * deadline passed or they exceed its bandwidth (then a new period: deadline = now + period,
 * full runtime); unless it is already handling a starvation (defer_running) it defers: armed.
 * Time the class's tasks run on the CPU, through the server or not, is taken from its runtime
 * (dl_server_update); a deferred server whose runtime the class used up in background starts
 * a new period (the activation moves away): with no starvation it never runs. At the
 * zero-laxity point (forwarded while more than dl_server_min_res of runtime was used since),
 * it starts running with a new period from then, then throttles until each next period and
 * runs again at once (it does not defer again) while the starvation lasts.
 *
 * Invariants: a running server's class has a task on the CPU; rq->dl_server is set only while
 * rq->curr was picked by it; the server event is pending exactly when active and (throttled,
 * or running while a task of its class is curr). Deterministic: no wall clock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include "machine_int.h"

#define DL_SERVER_MIN_RES NSEC_PER_MSEC /* deadline.c dl_server_min_res */

static const char *const server_names[DLS_NR] = { "fair server", "ext server" };

const char *dlserver_name(int idx)
{
	return server_names[idx];
}

static const struct sched_class *server_class(int idx)
{
	return idx == DLS_FAIR ? &fair_sched_class : &ext_sched_class;
}

static u64 srv_runtime_param(const struct dl_server *s)
{
	const struct machine_params *p = &s->rq->m->p;

	return s->idx == DLS_FAIR ? p->fair_server_runtime_ns : p->ext_server_runtime_ns;
}

static u64 srv_period_param(const struct dl_server *s)
{
	const struct machine_params *p = &s->rq->m->p;

	return s->idx == DLS_FAIR ? p->fair_server_period_ns : p->ext_server_period_ns;
}

static bool srv_has_tasks(const struct dl_server *s)
{
	return s->idx == DLS_FAIR ? s->rq->cfs.h_nr_running > 0 : s->rq->scx.nr_running > 0;
}

static u64 now_of(const struct dl_server *s)
{
	return s->rq->m->sim.now;
}

/* dl_entity_overflow: runtime / (deadline - now) > dl_runtime / dl_period (exact, 128-bit). */
static bool srv_overflow(const struct dl_server *s, u64 now)
{
	if (s->deadline <= now)
		return true;
	if (s->runtime <= 0)
		return false;
	return (unsigned __int128)s->runtime * srv_period_param(s) >
	       (unsigned __int128)(s->deadline - now) * srv_runtime_param(s);
}

/* replenish_dl_new_period: a new period from now; a deferred server not handling a starvation
 * defers (throttled and armed). */
static void srv_new_period(struct dl_server *s, u64 now)
{
	s->deadline = now + srv_period_param(s);
	s->runtime = (s64)srv_runtime_param(s);
	if (!s->defer_running)
		s->throttled = s->armed = true;
}

/* (Re)program the server's one event for its state: start_dl_timer while throttled (the
 * zero-laxity point when armed, else the replenishment at the deadline), the end of its
 * runtime while it runs a task of its class (scxsim enforces it exactly; see docs/model.md). */
static void srv_program(struct dl_server *s)
{
	struct rq *rq = s->rq;
	struct machine *m = rq->m;
	u64 now = m->sim.now, t;

	if (!s->active) {
		sim_cancel(&m->sim, &s->ev);
		return;
	}
	if (s->throttled) {
		t = s->armed ? s->deadline - (u64)MAX(s->runtime, 0) : s->deadline;
	} else if (rq->curr && rq->curr->sched_class == server_class(s->idx)) {
		t = rq->exec_start + (u64)MAX(s->runtime, 0);
	} else {
		sim_cancel(&m->sim, &s->ev);
		return;
	}
	sim_schedule(&m->sim, &s->ev, MAX(t, now), SIM_PRIO_TICK);
}

/* The server is queued above rt: the CPU must pick again. */
static void srv_enqueue(struct dl_server *s)
{
	s->throttled = false;
	srv_program(s);
	resched_curr(s->rq);
}

/* replenish_dl_entity + enqueue: the timer found the server throttled. */
static void srv_replenish(struct dl_server *s, u64 now)
{
	s64 full = (s64)srv_runtime_param(s);

	if (s->armed && srv_overflow(s, now)) {
		s->deadline = now + srv_period_param(s);
		s->runtime = full;
	}
	while (s->runtime <= 0) {
		s->deadline += srv_period_param(s);
		s->runtime += full;
	}
	if (s->deadline <= now) /* lagged (or a yield kept runtime): a new period */
		srv_new_period(s, now);
	if (s->armed) {
		s->armed = false;
	} else if (!s->defer_running && now < s->deadline - (u64)s->runtime) {
		s->throttled = s->armed = true; /* not handling a starvation: defer again */
		srv_program(s);
		return;
	}
	srv_enqueue(s);
}

/* dl_server_timer. */
static void srv_timer(struct dl_server *s)
{
	u64 now = now_of(s);

	if (s->armed) {
		u64 zl = s->deadline - (u64)MAX(s->runtime, 0);
		if (now + DL_SERVER_MIN_RES < zl) { /* the class ran in background: forward */
			sim_schedule(&s->rq->m->sim, &s->ev, zl, SIM_PRIO_TICK);
			return;
		}
		s->defer_running = true;
		s->nr_activations++;
	}
	srv_replenish(s, now);
}

/* dl_server_update -> update_curr_dl_se: a task of the class ran delta ns on the CPU. */
static void srv_update(struct dl_server *s, u64 delta)
{
	u64 now = now_of(s);

	if (!s->active || !delta)
		return;
	s->runtime -= (s64)delta;
	if (s->runtime > 0)
		return;
	if (s->throttled) {
		/* used up in background: no starvation this period, push the activation away */
		s->defer_running = false;
		srv_new_period(s, now);
		srv_program(s);
		return;
	}
	s->throttled = true; /* ran its runtime: wait for the next period */
	srv_program(s);
	resched_curr(s->rq);
}

static void srv_start(struct dl_server *s, bool was_idle)
{
	struct rq *rq = s->rq;
	u64 now = now_of(s);

	if (!srv_runtime_param(s))
		return;
	s->active = true;
	if (was_idle && s->runtime >= 0) { /* dl_server_update_idle_time */
		s->runtime -= (s64)(now - rq->idle_since);
		if (s->runtime < 0) {
			s->defer_running = false;
			s->runtime = 0;
		}
	}
	if (s->deadline <= now || srv_overflow(s, now))
		srv_new_period(s, now);
	else if (!s->defer_running)
		s->throttled = s->armed = true;
	if (s->throttled)
		srv_program(s);
	else
		srv_enqueue(s);
}

static void srv_stop(struct dl_server *s)
{
	s->active = s->throttled = s->armed = false;
	srv_program(s);
}

static void srv_fn(struct sim *sim, struct sim_event *ev)
{
	struct dl_server *s = container_of(ev, struct dl_server, ev);
	struct rq *rq = s->rq;

	rq->m->cur_cpu = rq->cpu;
	update_rq_curr(rq); /* charge the class's running time first (may change the state) */
	if (!sim_event_pending(ev) && s->active) {
		if (s->throttled)
			srv_timer(s);
		else
			srv_program(s);
	}
	rq->m->cur_cpu = -1;
}

void dlserver_rq_init(struct rq *rq)
{
	for (int i = 0; i < DLS_NR; i++) {
		struct dl_server *s = &rq->dls[i];
		*s = (struct dl_server){ .idx = i, .rq = rq };
		sim_event_init(&s->ev, srv_fn);
	}
	rq->dl_server = NULL;
}

/* The class of p ran delta ns on rq (update_curr): charge its server. */
void dlserver_account(struct rq *rq, const struct task_struct *p, u64 delta)
{
	if (p->sched_class == &fair_sched_class)
		srv_update(&rq->dls[DLS_FAIR], delta);
	else if (p->sched_class == &ext_sched_class)
		srv_update(&rq->dls[DLS_EXT], delta);
}

/* Start or stop each server as its class has tasks on rq or not (enqueue/dequeue hooks).
 * was_idle: the CPU was idle with nothing queued until this enqueue. */
void dlserver_sync(struct rq *rq, bool was_idle)
{
	for (int i = 0; i < DLS_NR; i++) {
		struct dl_server *s = &rq->dls[i];
		bool has = srv_has_tasks(s);
		if (has && !s->active)
			srv_start(s, was_idle);
		else if (!has && s->active)
			srv_stop(s);
	}
}

/* The running server with the earliest deadline (EDF; fair first on a tie), or NULL. */
static struct dl_server *srv_first(struct rq *rq)
{
	struct dl_server *best = NULL;

	for (int i = 0; i < DLS_NR; i++) {
		struct dl_server *s = &rq->dls[i];
		if (s->active && !s->throttled && (!best || s->deadline < best->deadline))
			best = s;
	}
	return best;
}

/* pick_task_dl: a running server picks from its class; one whose class gives nothing yields
 * its period (6.12 __pick_task_dl: dl_yielded). Sets rq->dl_server. */
struct task_struct *dlserver_pick(struct rq *rq)
{
	struct dl_server *s;

	rq->dl_server = NULL;
	while ((s = srv_first(rq))) {
		struct task_struct *p = server_class(s->idx)->pick_task(rq);
		if (p) {
			rq->dl_server = s;
			return p;
		}
		s->throttled = true;
		srv_program(s);
	}
	return NULL;
}

static void srv_span_close(struct rq *rq, struct dl_server *s, u64 now)
{
	s->run_ns += now - s->run_start;
	if (rq->m->trace)
		trace_span(rq->m, rq->cpu, dlserver_name(s->idx), s->run_start, now, NULL);
}

/* A scheduling round of rq ended with rq->curr chosen: close or open the "server" span and
 * program a running server's end of runtime. prev_server: rq->dl_server before the round. */
void dlserver_schedule_done(struct rq *rq, struct dl_server *prev_server)
{
	u64 now = rq->m->sim.now;

	if (rq->dl_server && (!rq->curr || rq->curr->sched_class != server_class(rq->dl_server->idx)))
		rq->dl_server = NULL; /* core scheduling replaced the server's pick */
	if (prev_server != rq->dl_server) {
		if (prev_server)
			srv_span_close(rq, prev_server, now);
		if (rq->dl_server)
			rq->dl_server->run_start = now;
	}
	for (int i = 0; i < DLS_NR; i++)
		if (rq->dls[i].active && !rq->dls[i].throttled)
			srv_program(&rq->dls[i]);
}

/* Time server idx ran on rq so far (an open span counted up to now). */
u64 dlserver_run_ns(const struct rq *rq, int idx)
{
	const struct dl_server *s = &rq->dls[idx];

	return s->run_ns + (rq->dl_server == s ? rq->m->sim.now - s->run_start : 0);
}

/* End of the run: close an open span so the trace shows it. */
void dlserver_settle(struct rq *rq)
{
	struct dl_server *s = rq->dl_server;

	if (s) {
		srv_span_close(rq, s, rq->m->sim.now);
		s->run_start = rq->m->sim.now;
	}
}

/* Invariant sweep: the states described at the top of this file. */
void dlserver_invariants(struct rq *rq)
{
	struct machine *m = rq->m;

	for (int i = 0; i < DLS_NR; i++) {
		const struct dl_server *s = &rq->dls[i];
		if (s->active != srv_has_tasks(s) && srv_runtime_param(s))
			machine_violation(m, "cpu %d: %s %s while its class has %s task", rq->cpu,
					  dlserver_name(i), s->active ? "active" : "inactive",
					  s->active ? "no" : "a");
		if (s->armed && !s->throttled)
			machine_violation(m, "cpu %d: %s armed but not throttled", rq->cpu,
					  dlserver_name(i));
		if (s->runtime > (s64)srv_runtime_param(s))
			machine_violation(m, "cpu %d: %s runtime %lld above its budget", rq->cpu,
					  dlserver_name(i), (long long)s->runtime);
	}
	if (rq->dl_server && (!rq->curr || rq->curr->sched_class != server_class(rq->dl_server->idx)))
		machine_violation(m, "cpu %d: %s set but curr is not of its class", rq->cpu,
				  dlserver_name(rq->dl_server->idx));
}

/* Model parameters of the servers: period 100 us .. 4.19 s and runtime <= period when enabled,
 * as the kernel's debugfs fair_server/ext_server files accept (runtime 0 disables). */
int dlserver_params_check(const struct machine_params *p, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t rt, per;
	} tab[] = {
		{ "fair_server", offsetof(struct machine_params, fair_server_runtime_ns),
		  offsetof(struct machine_params, fair_server_period_ns) },
		{ "ext_server", offsetof(struct machine_params, ext_server_runtime_ns),
		  offsetof(struct machine_params, ext_server_period_ns) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(tab); i++) {
		u64 rt = *(const u64 *)((const char *)p + tab[i].rt);
		u64 per = *(const u64 *)((const char *)p + tab[i].per);
		if (!rt)
			continue;
		if (per < DL_SERVER_PERIOD_MIN || per > DL_SERVER_PERIOD_MAX) {
			snprintf(err, errlen, "%s_period_ns=%llu: must be in %llu..%llu", tab[i].name,
				 (unsigned long long)per, (unsigned long long)DL_SERVER_PERIOD_MIN,
				 (unsigned long long)DL_SERVER_PERIOD_MAX);
			return -EINVAL;
		}
		if (rt > per) {
			snprintf(err, errlen, "%s_runtime_ns=%llu: above %s_period_ns=%llu", tab[i].name,
				 (unsigned long long)rt, tab[i].name, (unsigned long long)per);
			return -EINVAL;
		}
	}
	return 0;
}
