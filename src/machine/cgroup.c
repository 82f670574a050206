/*
 * cgroup.c — the machine's cgroups (task groups): the hierarchy built from the workload, and
 * its changes in simulated time (the workload's "cgroup_events"): cpu.weight writes and moves
 * of a task's threads into another cgroup, created on the way when missing.
 *
 * A weight write is the kernel's cpu_weight_write_u64: tg->shares follows the new weight, the
 * fair class re-weighs the group's entity on every CPU (sched_group_set_weight), then the ext
 * scheduler hears ops.cgroup_set_weight. A move is cgroup_migrate: every live thread of the
 * task is first offered to the ext scheduler (ops.cgroup_prep_move, which may refuse the whole
 * move), then each is moved as sched_move_task does: dequeued (and put_prev when running), its
 * group switched, ops.cgroup_move, enqueued again (and set_next) — so the fair class keeps its
 * lag and places it on the new group's cfs_rq as it does any migrated entity.
 *
 * Invariants: machine.tgs lists parents before children (a cgroup is appended after its
 * parent, at creation and at run time) and tgs[i]->id == i; a task's tg->nr_tasks counts it;
 * a cgroup is never freed before the machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine_int.h"

struct cg_event {
	struct sim_event ev;
	struct machine *m;
	const struct wl_cgroup_event *we;
};

/* sched_weight_from_cgroup: cpu.weight 100 is nice 0 (1024), in the fair class's fixed point */
void cgroup_weight_set(struct cgroup *tg, u32 weight)
{
	tg->cpu_weight = weight;
	tg->shares = ((u64)weight * 1024 / 100) << 10;
}

struct cgroup *cgroup_find(struct machine *m, const char *path)
{
	for (int i = 0; i < m->nr_tgs; i++)
		if (!strcmp(m->tgs[i]->path, path))
			return m->tgs[i];
	return NULL;
}

/* Append a new child of parent named path (weight 100). NULL when out of memory or too deep. */
static struct cgroup *cgroup_new(struct machine *m, struct cgroup *parent, const char *path)
{
	struct cgroup *tg, **v;

	if (parent->level + 1 > CGROUP_MAX_LEVEL)
		return NULL;
	tg = calloc(1, sizeof(*tg));
	v = realloc(m->tgs, (m->nr_tgs + 1) * sizeof(*v));
	if (!tg || !v) {
		free(tg);
		if (v)
			m->tgs = v;
		return NULL;
	}
	m->tgs = v;
	snprintf(tg->path, sizeof(tg->path), "%s", path);
	cgroup_weight_set(tg, 100);
	tg->parent = parent;
	tg->level = parent->level + 1;
	tg->id = m->nr_tgs;
	tg->kn = &tg->kn_node;
	tg->kn_node.id = (u64)tg->id;
	for (int l = 0; l < tg->level; l++)
		tg->ancestors[l] = parent->ancestors[l];
	tg->ancestors[tg->level] = tg;
	m->tgs[m->nr_tgs++] = tg;
	return tg;
}

/*
 * Find or create the group for path, parents first. At run time (created != NULL) each new
 * group also gets its fair per-CPU state, and *created counts them.
 */
struct cgroup *cgroup_get(struct machine *m, const char *path, int *created)
{
	struct cgroup *tg = cgroup_find(m, path), *parent;
	char ppath[64];
	char *slash;

	if (tg)
		return tg;
	snprintf(ppath, sizeof(ppath), "%s", path);
	slash = strrchr(ppath, '/');
	if (slash && slash != ppath) {
		*slash = 0;
		parent = cgroup_get(m, ppath, created);
	} else {
		parent = m->tgs[0];
	}
	if (!parent)
		return NULL;
	tg = cgroup_new(m, parent, path);
	if (tg && created) {
		if (fair_tg_alloc(m, tg))
			return NULL; /* the group stays (its arrays are freed with it), unusable */
		(*created)++;
	}
	return tg;
}

/* ---- cpu.weight writes ------------------------------------------------------------------- */

void cgroup_set_weight(struct machine *m, struct cgroup *tg, u32 weight)
{
	u32 old = tg->cpu_weight;

	if (!tg->parent || weight < 1 || weight > 10000)
		return; /* the root has no weight; the workload reader refuses both */
	cgroup_weight_set(tg, weight);
	fair_tg_shares_changed(m, tg);
	if (m->scx && weight != old) /* as scx_group_set_weight: only a change is news */
		scx_cgroup_set_weight(m, tg, weight);
	m->nr_cgroup_weight_writes++;
	if (m->trace) {
		char d[96];
		snprintf(d, sizeof(d), "%s cpu.weight=%u", tg->path, weight);
		trace_global(m, "cgroup weight", d);
	}
}

/* ---- moves ------------------------------------------------------------------------------- */

/* sched_move_task: p (alive) leaves its group for `to`, keeping its place in its class. */
static void cgroup_move_one(struct task_struct *p, struct cgroup *to)
{
	struct task_change c;

	task_change_begin(p, &c);
	p->tg->nr_tasks--;
	p->tg = to;
	to->nr_tasks++;
	fair_attach_cpu(p);
	if (p->m->scx)
		scx_cgroup_move_task(p);
	task_change_end(p, &c, false);
	p->m->nr_cgroup_moves++;
	if (p->m->trace)
		trace_instant(p->m, p->cpu, "cgroup move", p, to->path);
}

/* The live threads of workload task `wt` not already in `to`, in pid order. */
static int cgroup_taskset(struct machine *m, int wt, struct cgroup *to, struct task_struct ***out)
{
	const struct wl_task *t = &m->wl->tasks[wt];
	struct task_struct **set = calloc(t->instances, sizeof(*set));
	int n = 0;

	if (!set)
		return -ENOMEM;
	for (int i = 0; i < m->nr_tasks && n < t->instances; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->x.wt == t && p->state != TASK_DEAD && p->tg != to)
			set[n++] = p;
	}
	*out = set;
	return n;
}

/* The ext scheduler must accept every group on the way to `to` created at run time. */
static int cgroup_online_path(struct machine *m, struct cgroup *to)
{
	int e = 0;

	for (int l = 1; l <= to->level && !e; l++)
		e = scx_cgroup_online(m, to->ancestors[l]);
	return e;
}

/* Move every live thread of workload task wt into path: all of them, or none if the ext
 * scheduler refuses (counted). 0, or -ENOMEM. */
int cgroup_move_task(struct machine *m, int wt, const char *path)
{
	struct task_struct **set = NULL;
	struct cgroup *to;
	int created = 0, n, e; /* created: groups made on the way (counted, not needed further) */

	to = cgroup_get(m, path, &created);
	if (!to)
		return -ENOMEM;
	n = cgroup_taskset(m, wt, to, &set);
	if (n < 0)
		return n;
	e = m->scx ? cgroup_online_path(m, to) : 0;
	e = e ?: (m->scx ? scx_cgroup_can_attach(m, set, n, to) : 0);
	for (int i = 0; !e && i < n; i++)
		cgroup_move_one(set[i], to);
	if (e) {
		m->nr_cgroup_moves_refused += n;
		if (m->trace)
			trace_global(m, "cgroup move refused", path);
	}
	free(set);
	return 0;
}

static void cg_event_fn(struct sim *s, struct sim_event *ev)
{
	struct cg_event *c = container_of(ev, struct cg_event, ev);
	const struct wl_cgroup_event *we = c->we;
	struct machine *m = c->m;
	struct cgroup *tg;

	if (we->kind == WL_CG_WEIGHT) {
		tg = cgroup_find(m, we->cgroup);
		if (tg)
			cgroup_set_weight(m, tg, we->weight);
		else
			machine_violation(m, "cgroup event: no cgroup %s for a cpu.weight write", we->cgroup);
		return;
	}
	if (cgroup_move_task(m, we->task, we->cgroup))
		machine_violation(m, "cgroup event: out of memory moving %s to %s",
				  m->wl->tasks[we->task].name, we->cgroup);
}

/* One simulation event per workload cgroup event (before the tasks' events at that time). */
int cgroup_events_schedule(struct machine *m)
{
	const struct workload *w = m->wl;
	int e = 0;

	if (!w->nr_cg_events)
		return 0;
	m->cg_events = calloc(w->nr_cg_events, sizeof(*m->cg_events));
	if (!m->cg_events)
		return -ENOMEM;
	m->nr_cg_events = w->nr_cg_events;
	for (int i = 0; i < w->nr_cg_events && !e; i++) {
		struct cg_event *c = &m->cg_events[i];
		c->m = m;
		c->we = &w->cg_events[i];
		sim_event_init(&c->ev, cg_event_fn);
		e = sim_schedule(&m->sim, &c->ev, c->we->at_ns, SIM_PRIO_HOTPLUG);
	}
	return e;
}

void cgroup_events_free(struct machine *m)
{
	for (int i = 0; i < m->nr_cg_events; i++)
		sim_cancel(&m->sim, &m->cg_events[i].ev);
	free(m->cg_events);
	m->cg_events = NULL;
	m->nr_cg_events = 0;
}
