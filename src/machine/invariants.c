/*
 * invariants.c — checks of the machine's own invariants during every run (see machine_int.h):
 * a periodic sweep over all CPUs and tasks every check_period_ns of simulated time, and a final
 * sweep at the end. Violations are recorded with time, CPU and pid; `checked` counts individual
 * assertions evaluated. Cost: O(nr_cpus * nr_cgroups + nr_tasks) per sweep, off the scheduling
 * hot path.
 */
#include <stdlib.h>
#include "machine_int.h"

#define CHK(m, cond, ...)                                  \
	do {                                               \
		(m)->inv_checked++;                        \
		if (!(cond))                               \
			machine_violation((m), __VA_ARGS__); \
	} while (0)

static void check_cpus(struct machine *m, u32 *queued)
{
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		struct task_struct *p = rq->curr;

		if (p) {
			CHK(m, p->on_cpu && p->cpu == c && p->on_rq && p->state == TASK_RUNNABLE,
			    "cpu %d: curr pid %d is not a runnable task of this CPU", c, p->pid);
			CHK(m, cpumask_test(&p->cpus_mask, c),
			    "cpu %d: runs pid %d outside its affinity", c, p->pid);
		}
		CHK(m, rq->online || ((!rq->curr || rq->need_resched) && rq->nr_running == (rq->curr && rq->curr->on_rq)),
		    "cpu %d is offline but runs %s and has %u tasks queued", c,
		    rq->curr ? rq->curr->comm : "nothing", rq->nr_running);
		dlserver_invariants(rq);
		m->inv_checked++;
		CHK(m, queued[c] == rq->nr_running,
		    "cpu %d: nr_running %u but %u tasks are queued on it", c, rq->nr_running, queued[c]);
		CHK(m, rq->nr_running == rq->cfs.h_nr_running + rq->rt.nr_running + rq->scx.nr_running,
		    "cpu %d: nr_running %u != fair %u + rt %u + ext %u", c, rq->nr_running,
		    rq->cfs.h_nr_running, rq->rt.nr_running, rq->scx.nr_running);
	}
}

static void check_tasks(struct machine *m, u32 *queued)
{
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];

		CHK(m, (p->state == TASK_RUNNABLE) == p->on_rq,
		    "pid %d: state %d but on_rq %d", p->pid, p->state, p->on_rq);
		if (p->on_rq && p->cpu >= 0 && p->cpu < m->nr_cpus)
			queued[p->cpu]++;
		if (p->on_cpu)
			CHK(m, cpu_rq(m, p->cpu)->curr == p,
			    "pid %d: on_cpu but cpu %d runs another task", p->pid, p->cpu);
	}
}

/* Group membership: a task counts in its group and sits under its group's cfs_rq of its CPU;
 * a group's load_sum is the sum of its per-CPU cfs_rq loads (moves and weight writes keep both). */
static void check_groups(struct machine *m)
{
	u64 *count = calloc(m->nr_tgs, sizeof(*count));

	if (!count)
		return;
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		struct cfs_rq *want = p->tg->cfs_rq ? &p->tg->cfs_rq[p->cpu] : &cpu_rq(m, p->cpu)->cfs;

		count[p->tg->id]++;
		CHK(m, p->se.cfs_rq == want, "pid %d: fair entity not under cgroup %s on cpu %d",
		    p->pid, p->tg->path, p->cpu);
	}
	for (int i = 0; i < m->nr_tgs; i++) {
		struct cgroup *tg = m->tgs[i];
		u64 load = 0;

		CHK(m, tg->id == i && count[i] == tg->nr_tasks,
		    "cgroup %s: id %d at index %d, nr_tasks %llu but %llu tasks", tg->path, tg->id, i,
		    (unsigned long long)tg->nr_tasks, (unsigned long long)count[i]);
		for (int c = 0; tg->cfs_rq && c < m->nr_cpus; c++)
			load += tg->cfs_rq[c].load;
		CHK(m, !tg->cfs_rq || load == tg->load_sum, "cgroup %s: load_sum %llu != %llu on its CPUs",
		    tg->path, (unsigned long long)tg->load_sum, (unsigned long long)load);
	}
	free(count);
}

static void sweep(struct machine *m)
{
	u32 *queued = calloc(m->nr_cpus, sizeof(*queued));

	if (!queued)
		return;
	CHK(m, m->sim.now >= m->last_time, "time went backwards: %llu < %llu",
	    (unsigned long long)m->sim.now, (unsigned long long)m->last_time);
	m->last_time = m->sim.now;
	check_tasks(m, queued);
	check_cpus(m, queued);
	check_groups(m);
	if (m->scx)
		scx_invariants(m);
	free(queued);
}

static void check_fn(struct sim *s, struct sim_event *ev)
{
	struct machine *m = container_of(ev, struct machine, check_ev);

	sweep(m);
	sim_schedule(s, ev, s->now + m->p.check_period_ns, SIM_PRIO_CHECK);
}

void invariants_start(struct machine *m)
{
	sim_event_init(&m->check_ev, check_fn);
	if (m->p.check_period_ns)
		sim_schedule(&m->sim, &m->check_ev, m->p.check_period_ns, SIM_PRIO_CHECK);
}

void invariants_final(struct machine *m)
{
	sim_cancel(&m->sim, &m->check_ev);
	sweep(m);
	for (int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *p = m->tasks[i];
		if (p->st.finished)
			CHK(m, p->st.work_total_ns < 0 || (s64)p->st.work_done_ns == p->st.work_total_ns,
			    "pid %d (%s): finished with work_done %llu != work_total %lld", p->pid,
			    p->comm, (unsigned long long)p->st.work_done_ns,
			    (long long)p->st.work_total_ns);
	}
}
