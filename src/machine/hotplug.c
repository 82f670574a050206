/*
 * hotplug.c — CPU hotplug in simulated time (workload "hotplug" events or machine_hotplug_at).
 * Offlining a CPU: the ext scheduler hears ops.cpu_offline (or exits, as upstream, when it has
 * no hotplug callbacks), the CPU leaves the idle masks, every task queued there moves to an
 * online CPU of its affinity — or, when none is left, its affinity is reset to all online CPUs
 * (the kernel's "no longer affine" fallback) — and its running task is moved once it is
 * descheduled. Onlining makes the CPU available again and kicks it to pull work.
 * Invariant: no task runs or is queued on an offline CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include "machine_int.h"

struct hp_event {
	struct sim_event ev;
	struct machine *m;
	int cpu;
	bool online;
};

static int nr_online(struct machine *m)
{
	int n = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		n += cpu_rq(m, c)->online;
	return n;
}

/* An online CPU p may use, starting after `from` for spread; breaks affinity if none. */
int select_fallback_cpu(struct task_struct *p, int from)
{
	struct machine *m = p->m;

	for (int i = 1; i <= m->nr_cpus; i++) {
		int c = (from + i) % m->nr_cpus;
		if (cpu_rq(m, c)->online && cpumask_test(&p->cpus_mask, c))
			return c;
	}
	/* no online CPU left in its mask: allow every online CPU */
	cpumask_clear(&p->cpus_mask);
	for (int c = 0; c < m->nr_cpus; c++)
		if (cpu_rq(m, c)->online)
			cpumask_set(&p->cpus_mask, c);
	p->nr_cpus_allowed = cpumask_weight(&p->cpus_mask);
	m->nr_affinity_broken++;
	for (int i = 1; i <= m->nr_cpus; i++) {
		int c = (from + i) % m->nr_cpus;
		if (cpu_rq(m, c)->online)
			return c;
	}
	return -1;
}

/* Move a queued, not running task off its (offline) CPU. */
void move_queued_task_off(struct task_struct *p)
{
	int cpu = select_fallback_cpu(p, p->cpu);

	if (cpu < 0)
		return;
	migrate_task(p, cpu);
}

static void cpu_go_offline(struct machine *m, int cpu)
{
	struct rq *rq = cpu_rq(m, cpu);

	if (!rq->online)
		return;
	if (nr_online(m) == 1) {
		m->nr_hotplug_refused++;
		return;
	}
	if (m->scx)
		scx_cpu_hotplug(rq, false);
	rq->online = false;
	cpumask_unset(&m->idle, cpu);
	cpumask_unset(&m->overloaded, cpu);
	cpumask_unset(&m->rt_overloaded, cpu);
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->on_rq && p->cpu == cpu && !p->on_cpu)
			move_queued_task_off(p);
	}
	if (rq->curr)
		resched_curr(rq);
	m->nr_hotplug++;
	if (m->trace)
		trace_instant(m, cpu, "cpu offline", NULL, NULL);
}

static void cpu_go_online(struct machine *m, int cpu)
{
	struct rq *rq = cpu_rq(m, cpu);

	if (rq->online)
		return;
	rq->online = true;
	update_idle_state(rq);
	if (m->scx)
		scx_cpu_hotplug(rq, true);
	resched_curr(rq); /* enter the scheduler: pull waiting work */
	m->nr_hotplug++;
	if (m->trace)
		trace_instant(m, cpu, "cpu online", NULL, NULL);
}

static void hotplug_fn(struct sim *s, struct sim_event *ev)
{
	struct hp_event *h = container_of(ev, struct hp_event, ev);

	if (h->online)
		cpu_go_online(h->m, h->cpu);
	else
		cpu_go_offline(h->m, h->cpu);
}

int machine_hotplug_at(struct machine *m, u64 at_ns, int cpu, bool online)
{
	struct hp_event *h, **v;

	if (cpu < 0 || cpu >= m->nr_cpus)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	v = realloc(m->hp_events, (m->nr_hp_events + 1) * sizeof(*v));
	if (!h || !v) {
		free(h);
		if (v)
			m->hp_events = v;
		return -ENOMEM;
	}
	m->hp_events = v;
	m->hp_events[m->nr_hp_events++] = h;
	h->m = m;
	h->cpu = cpu;
	h->online = online;
	sim_event_init(&h->ev, hotplug_fn);
	return sim_schedule(&m->sim, &h->ev, at_ns, SIM_PRIO_HOTPLUG);
}

void hotplug_free(struct machine *m)
{
	for (int i = 0; i < m->nr_hp_events; i++) {
		sim_cancel(&m->sim, &m->hp_events[i]->ev);
		free(m->hp_events[i]);
	}
	free(m->hp_events);
	m->hp_events = NULL;
	m->nr_hp_events = 0;
}
