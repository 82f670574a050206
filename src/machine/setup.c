/*
 * setup.c — building and running a machine: runqueues from the topology, task groups from the
 * workload's cgroups, tasks from its thread objects (one per instance, pids from 100 up in
 * workload order), start timers, the workload's hotplug and cgroup events, and the run loop.
 * Validates what the workload asks of this machine (affinity CPUs that exist) with messages
 * naming the task.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine_int.h"

#define FIRST_PID 100

void machine_params_default(struct machine_params *p)
{
	*p = (struct machine_params){
		.hz = 1000,
		.ctx_switch_ns = 3500,   /* pinned perf pipe round trip, docs/fidelity.md */
		.migration_ns = 5000,
		.wakeup_ipi_ns = 1000,
		.base_slice_ns = 750000,
		.rr_timeslice_ns = 100 * NSEC_PER_MSEC,
		.check_period_ns = 10 * NSEC_PER_MSEC,
		.idle_exit_ns = 16000,   /* timer wake-up of a long-idle CPU, docs/fidelity.md */
		.idle_deep_ns = 50000,
		.fair_server_runtime_ns = 50 * NSEC_PER_MSEC, /* fair.c fair_server_init */
		.fair_server_period_ns = NSEC_PER_SEC,
		.ext_server_runtime_ns = 50 * NSEC_PER_MSEC,  /* ext.c ext_server_init (7.0) */
		.ext_server_period_ns = NSEC_PER_SEC,
	};
}

int machine_params_check(const struct machine_params *p, char *err, size_t errlen)
{
	return dlserver_params_check(p, err, errlen);
}

/* sysctl_sched_base_slice scaled by 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG). */
static u64 scaled_slice(u64 base, int ncpus)
{
	int n = ncpus < 8 ? ncpus : 8, lg = 0;

	while ((1 << (lg + 1)) <= n)
		lg++;
	return base * (1 + lg);
}

static int groups_create(struct machine *m)
{
	const struct workload *w = m->wl;

	m->tgs = calloc(1, sizeof(*m->tgs));
	if (!m->tgs)
		return -ENOMEM;
	m->tgs[0] = calloc(1, sizeof(**m->tgs));
	if (!m->tgs[0])
		return -ENOMEM;
	strcpy(m->tgs[0]->path, "/");
	m->tgs[0]->kn = &m->tgs[0]->kn_node;
	m->tgs[0]->ancestors[0] = m->tgs[0];
	cgroup_weight_set(m->tgs[0], 100);
	m->nr_tgs = 1;
	for (int i = 0; i < w->nr_cgroups; i++) {
		if (!strcmp(w->cgroups[i].path, "/"))
			continue;
		struct cgroup *tg = cgroup_get(m, w->cgroups[i].path, NULL);
		if (!tg)
			return -ENOMEM;
		cgroup_weight_set(tg, w->cgroups[i].weight);
	}
	for (int i = 0; i < w->nr_tasks; i++)
		if (w->tasks[i].cgroup[0] && strcmp(w->tasks[i].cgroup, "/") &&
		    !cgroup_get(m, w->tasks[i].cgroup, NULL))
			return -ENOMEM;
	return tg_setup(m);
}

static void wake_timer_fn(struct sim *s, struct sim_event *ev)
{
	struct task_struct *p = container_of(ev, struct task_struct, wake_ev);

	p->m->cur_cpu = p->state == TASK_NEW ? -1 : p->cpu;
	wake_up_task(p, 0);
	p->m->cur_cpu = -1;
}

static int check_affinity(struct machine *m, const struct wl_task *wt, const int *cpus, int n,
			  char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		if (cpus[i] < 0 || cpus[i] >= m->nr_cpus) {
			snprintf(err, errlen, "%s: task '%s': cpus: CPU %d does not exist (machine has %d CPUs)",
				 m->wl->source, wt->name, cpus[i], m->nr_cpus);
			return -EINVAL;
		}
	}
	return 0;
}

static struct task_struct *task_create(struct machine *m, const struct wl_task *wt, int inst,
				char *err, size_t errlen)
{
	struct task_struct *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->m = m;
	p->pid = FIRST_PID + m->nr_tasks;
	p->tgid = p->pid;
	if (wt->instances > 1)
		snprintf(p->comm, sizeof(p->comm), "%.*s-%d", 11, wt->name, inst);
	else
		snprintf(p->comm, sizeof(p->comm), "%s", wt->name);
	p->state = TASK_NEW;
	p->policy = wt->policy;
	p->nice = wt->nice;
	p->rt_prio = wt->rt_prio;
	p->sched_class = task_is_rt(p) ? &rt_sched_class : &fair_sched_class;
	if (wt->cpus) {
		cpumask_clear(&p->cpus_mask);
		for (int i = 0; i < wt->nr_cpus; i++)
			cpumask_set(&p->cpus_mask, wt->cpus[i]);
	} else {
		p->cpus_mask = m->topo->all;
	}
	p->nr_cpus_allowed = cpumask_weight(&p->cpus_mask);
	p->cpus_ptr = &p->cpus_mask;
	p->static_prio = 120 + p->nice;
	p->prio = p->normal_prio = task_is_rt(p) ? 99 - p->rt_prio : p->static_prio;
	p->tg = wt->cgroup[0] ? cgroup_find(m, wt->cgroup) : m->tgs[0];
	if (!p->tg)
		p->tg = m->tgs[0];
	p->tg->nr_tasks++;
	p->cpu = cpumask_first(&p->cpus_mask);
	p->last_ran_cpu = -1;
	p->instance = inst;
	p->x.wt = wt;
	p->core_cookie = wt->core_cookie;
	m->nr_cookied += wt->core_cookie != 0;
	p->x.relock = -1;
	p->st.work_total_ns = workload_task_work_ns(wt);
	fair_task_init(m, p);
	fair_attach_cpu(p);
	sim_event_init(&p->wake_ev, wake_timer_fn);
	for (int i = 0; i < m->wl->nr_res; i++) {
		if (!m->wl->res[i].per_instance)
			continue;
		if (!p->priv_res) {
			p->priv_res = calloc(m->wl->nr_res, sizeof(*p->priv_res));
			if (!p->priv_res) {
				free(p);
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
		}
		p->priv_res[i].kind = m->wl->res[i].kind;
	}
	return p;
}

static int tasks_create(struct machine *m, char *err, size_t errlen)
{
	const struct workload *w = m->wl;
	int total = 0;

	for (int i = 0; i < w->nr_tasks; i++) {
		int e = check_affinity(m, &w->tasks[i], w->tasks[i].cpus, w->tasks[i].nr_cpus, err, errlen);
		for (int ph = 0; !e && ph < w->tasks[i].nr_phases; ph++)
			e = check_affinity(m, &w->tasks[i], w->tasks[i].phases[ph].cpus,
					   w->tasks[i].phases[ph].nr_cpus, err, errlen);
		if (e)
			return e;
		total += w->tasks[i].instances;
	}
	m->tasks = calloc(total ? total : 1, sizeof(*m->tasks));
	if (!m->tasks)
		return -ENOMEM;
	for (int i = 0; i < w->nr_tasks; i++) {
		for (int inst = 0; inst < w->tasks[i].instances; inst++) {
			struct task_struct *p = task_create(m, &w->tasks[i], inst, err, errlen);
			if (!p)
				return -ENOMEM;
			m->tasks[m->nr_tasks++] = p;
			m->nr_alive++;
			sim_schedule(&m->sim, &p->wake_ev, w->tasks[i].delay_ns, SIM_PRIO_WAKE);
		}
	}
	return 0;
}

static int res_create(struct machine *m)
{
	const struct workload *w = m->wl;

	m->nr_res = w->nr_res;
	m->res = calloc(w->nr_res ? w->nr_res : 1, sizeof(*m->res));
	if (!m->res)
		return -ENOMEM;
	for (int i = 0; i < w->nr_res; i++) {
		m->res[i].kind = w->res[i].kind;
		m->res[i].users = w->res[i].users;
		m->res[i].tokens = w->res[i].initial;
	}
	return 0;
}

struct machine *machine_create(const struct topo *t, const struct workload *w,
			       const struct machine_params *params, u64 seed,
			       char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	int e;

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (machine_params_check(params, err, errlen)) {
		free(m);
		return NULL;
	}
	sim_init(&m->sim);
	m->topo = t;
	m->wl = w;
	m->p = *params;
	m->seed = seed;
	m->cur_cpu = -1;
	m->nr_cpus = t->nr_cpus;
	m->tick_ns = NSEC_PER_SEC / params->hz;
	m->base_slice = scaled_slice(params->base_slice_ns, t->nr_cpus);
	m->rqs = calloc(t->nr_cpus, sizeof(*m->rqs));
	if (!m->rqs) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int c = 0; c < t->nr_cpus; c++)
		rq_init(m, cpu_rq(m, c), c);
	e = groups_create(m);
	e = e ?: res_create(m);
	if (e) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	err[0] = 0;
	if (tasks_create(m, err, errlen)) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < w->nr_hotplug; i++) {
		if (w->hotplug[i].cpu >= m->nr_cpus) {
			snprintf(err, errlen, "%s: hotplug event %d: CPU %d does not exist (machine has %d CPUs)",
				 w->source, i, w->hotplug[i].cpu, m->nr_cpus);
			goto fail;
		}
		if (machine_hotplug_at(m, w->hotplug[i].at_ns, w->hotplug[i].cpu,
				       w->hotplug[i].kind == WL_CPU_ONLINE)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (cgroup_events_schedule(m)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	m->core_sched = core_sched_active(m);
	invariants_start(m);
	return m;
fail:
	machine_destroy(m);
	return NULL;
}

#define PROGRESS_STEPS 200

/*
 * Runs in steps of duration/PROGRESS_STEPS so a progress callback can report between them;
 * stepping does not change the order of events, so results are the same with or without it.
 */
int machine_run(struct machine *m, u64 duration_ns)
{
	u64 step = duration_ns / PROGRESS_STEPS + 1;

	m->end_ns = duration_ns;
	while (m->nr_alive && !m->sim.stop && m->sim.now < duration_ns) {
		u64 until = m->progress_fn ? MIN(duration_ns, m->sim.now + step) : duration_ns;
		sim_run(&m->sim, until);
		if (m->progress_fn)
			m->progress_fn(m->progress_ctx, m->sim.now, duration_ns, m->sim.nr_events);
		if (m->sim.nr == 0)
			break;
	}
	scx_run_end(m);
	machine_settle(m);
	invariants_final(m);
	return 0;
}

void machine_set_progress(struct machine *m, void (*fn)(void *ctx, u64 now, u64 end, u64 events),
			  void *ctx)
{
	m->progress_fn = fn;
	m->progress_ctx = ctx;
}

struct periodic {
	struct sim_event ev;
	u64 period;
	void (*fn)(void *ctx, u64 now);
	void *ctx;
};

static void periodic_fn(struct sim *s, struct sim_event *ev)
{
	struct periodic *p = container_of(ev, struct periodic, ev);

	s->nr_events--; /* an observer, not part of the simulation: results must not depend on it */
	p->fn(p->ctx, s->now);
	sim_schedule(s, ev, s->now + p->period, SIM_PRIO_CHECK);
}

int machine_every(struct machine *m, u64 period_ns, void (*fn)(void *ctx, u64 now), void *ctx)
{
	struct periodic *p, **v;

	if (!period_ns)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	v = realloc(m->periodic, (m->nr_periodic + 1) * sizeof(*v));
	if (!p || !v) {
		free(p);
		if (v)
			m->periodic = v;
		return -ENOMEM;
	}
	m->periodic = v;
	m->periodic[m->nr_periodic++] = p;
	*p = (struct periodic){ .period = period_ns, .fn = fn, .ctx = ctx };
	sim_event_init(&p->ev, periodic_fn);
	return sim_schedule(&m->sim, &p->ev, m->sim.now + period_ns, SIM_PRIO_CHECK);
}

u64 machine_now(const struct machine *m)
{
	return m->sim.now;
}

u64 machine_events(const struct machine *m)
{
	return m->sim.nr_events;
}

int machine_nr_violations(const struct machine *m)
{
	return m->nr_violations;
}

void machine_own(struct machine *m, void *obj, void (*free_fn)(void *))
{
	m->owned = obj;
	m->owned_free = free_fn;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	machine_trace_close(m);
	if (m->owned_free)
		m->owned_free(m->owned); /* the loaded scheduler's runtime, before the machine goes */
	sim_fini(&m->sim);
	for (int i = 0; i < m->nr_tasks; i++) {
		hist_free(m->tasks[i]->st.wake_lat);
		free(m->tasks[i]->priv_res);
		free(m->tasks[i]);
	}
	free(m->tasks);
	for (int i = 0; i < m->nr_tgs; i++) {
		if (!m->tgs[i])
			continue;
		free(m->tgs[i]->cfs_rq);
		free(m->tgs[i]->se);
		free(m->tgs[i]);
	}
	free(m->tgs);
	for (int i = 0; i < m->nr_violations; i++)
		free(m->violations[i]);
	free(m->violations);
	hist_free(m->wake_lat);
	scx_sched_free(m);
	hotplug_free(m);
	cgroup_events_free(m);
	for (int i = 0; i < m->nr_periodic; i++) {
		sim_cancel(&m->sim, &m->periodic[i]->ev);
		free(m->periodic[i]);
	}
	free(m->periodic);
	free(m->res);
	free(m->rqs);
	free(m);
}
