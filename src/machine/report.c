/*
 * report.c — what a run produced: the result JSON (design.md "Result JSON", key names are a
 * contract) and the readable summary table. Tasks are listed in pid order, so output is stable.
 */
#include <stdlib.h>
#include <string.h>
#include "machine_int.h"
#include "scxsim/json_write.h"

static void write_lat(struct jw *w, const char *key, const struct hist *h, bool p999)
{
	jw_key(w, key);
	jw_obj_begin(w);
	jw_kuint(w, "p50", hist_percentile(h, 50));
	jw_kuint(w, "p99", hist_percentile(h, 99));
	if (p999)
		jw_kuint(w, "p999", hist_percentile(h, 99.9));
	jw_kuint(w, "max", hist_max(h));
	jw_obj_end(w);
}

static void write_task(struct jw *w, const struct task_struct *p)
{
	const struct task_stats *st = &p->st;
	bool changed = (st->runtime_by_class[0] != 0) + (st->runtime_by_class[1] != 0) +
		       (st->runtime_by_class[2] != 0) > 1;

	jw_obj_begin(w);
	jw_kint(w, "pid", p->pid);
	jw_kstr(w, "comm", p->comm);
	jw_kstr(w, "cgroup", p->tg->path);
	jw_kstr(w, "class", task_class_name(p));
	jw_kuint(w, "runtime_ns", st->runtime_ns);
	if (changed) {
		jw_key(w, "runtime_by_class_ns");
		jw_obj_begin(w);
		jw_kuint(w, "ext", st->runtime_by_class[0]);
		jw_kuint(w, "fair", st->runtime_by_class[1]);
		jw_kuint(w, "rt", st->runtime_by_class[2]);
		jw_obj_end(w);
	}
	jw_kuint(w, "wait_ns", st->wait_ns);
	jw_kuint(w, "nr_wakeups", st->nr_wakeups);
	write_lat(w, "wakeup_lat_ns", st->wake_lat, false);
	jw_kuint(w, "work_done_ns", st->work_done_ns);
	jw_key(w, "work_total_ns");
	if (st->work_total_ns < 0)
		jw_null(w);
	else
		jw_int(w, st->work_total_ns);
	jw_kbool(w, "finished", st->finished);
	jw_kuint(w, "migrations", st->nr_migrations);
	jw_kuint(w, "ctx_switches", st->nr_switches);  /* switch-ins, as the recorder counts them */
	jw_kuint(w, "preemptions", st->nr_preempted);  /* switched out while still runnable */
	jw_kint(w, "nice", p->nice);
	jw_kstr(w, "state", p->state == TASK_DEAD ? "exited" : p->state == TASK_NEW ? "new" :
			    p->state == TASK_BLOCKED ? "blocked" : "runnable");
	jw_obj_end(w);
}

static u64 total_switches(struct machine *m)
{
	u64 n = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		n += cpu_rq(m, c)->nr_switches;
	return n;
}

u64 machine_ctx_switches(struct machine *m)
{
	return total_switches(m);
}

static u64 total_idle(struct machine *m)
{
	u64 n = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		n += cpu_rq(m, c)->idle_ns;
	return n;
}

/* Time the deadline server idx ran tasks, all CPUs. */
static u64 total_server_ns(struct machine *m, int idx)
{
	u64 ns = 0;

	for (int c = 0; c < m->nr_cpus; c++)
		ns += dlserver_run_ns(cpu_rq(m, c), idx);
	return ns;
}

void machine_write_result(struct machine *m, struct jw *w, const char *sched_name, u64 wall_ns)
{
	jw_obj_begin(w);
	jw_key(w, "scheduler");
	jw_obj_begin(w);
	jw_kstr(w, "name", sched_name);
	scx_write_result(m, w);
	jw_obj_end(w);

	jw_key(w, "machine");
	jw_obj_begin(w);
	jw_kint(w, "nr_cpus", m->nr_cpus);
	jw_kstr(w, "topo", m->topo->spec);
	jw_kuint(w, "hz", m->p.hz);
	jw_obj_end(w);

	jw_key(w, "sim");
	jw_obj_begin(w);
	jw_kuint(w, "seed", m->seed);
	jw_kuint(w, "duration_ns", m->sim.now);
	jw_kuint(w, "events", m->sim.nr_events);
	jw_kuint(w, "wall_ns", wall_ns);
	jw_obj_end(w);

	jw_key(w, "totals");
	jw_obj_begin(w);
	jw_kuint(w, "ctx_switches", total_switches(m));
	jw_kuint(w, "migrations", m->nr_migrations);
	jw_kuint(w, "idle_ns", total_idle(m));
	write_lat(w, "wakeup_lat_ns", m->wake_lat, true);
	jw_kuint(w, "fair_server_ns", total_server_ns(m, DLS_FAIR));
	jw_kuint(w, "ext_server_ns", total_server_ns(m, DLS_EXT));
	jw_obj_end(w);

	jw_key(w, "hotplug");
	jw_obj_begin(w);
	jw_kuint(w, "transitions", m->nr_hotplug);
	jw_kuint(w, "refused", m->nr_hotplug_refused);
	jw_kuint(w, "affinity_broken", m->nr_affinity_broken);
	jw_obj_end(w);
	if (m->nr_cg_events) { /* only with cgroup_events: other results keep their shape */
		jw_key(w, "cgroup_events");
		jw_obj_begin(w);
		jw_kuint(w, "moves", m->nr_cgroup_moves);
		jw_kuint(w, "moves_refused", m->nr_cgroup_moves_refused);
		jw_kuint(w, "weight_writes", m->nr_cgroup_weight_writes);
		jw_obj_end(w);
	}
	if (m->core_sched) {
		jw_key(w, "core_sched");
		jw_obj_begin(w);
		jw_kuint(w, "forced_idle_picks", m->nr_forced_idle);
		jw_obj_end(w);
	}

	jw_key(w, "cpus");
	jw_arr_begin(w);
	for (int c = 0; c < m->nr_cpus; c++) {
		struct rq *rq = cpu_rq(m, c);
		jw_obj_begin(w);
		jw_kint(w, "cpu", c);
		jw_kbool(w, "online", rq->online);
		jw_kuint(w, "idle_ns", rq->idle_ns);
		jw_kuint(w, "ctx_switches", rq->nr_switches);
		jw_kuint(w, "ticks", rq->nr_ticks);
		jw_kuint(w, "kick_waits", rq->scx.nr_kick_waits);
		jw_kuint(w, "kick_wait_ns", rq->scx.kick_wait_ns +
					    (rq->spinning ? m->sim.now - rq->spin_since : 0));
		jw_kuint(w, "fair_server_ns", dlserver_run_ns(rq, DLS_FAIR));
		jw_kuint(w, "fair_server_activations", rq->dls[DLS_FAIR].nr_activations);
		jw_kuint(w, "ext_server_ns", dlserver_run_ns(rq, DLS_EXT));
		jw_kuint(w, "ext_server_activations", rq->dls[DLS_EXT].nr_activations);
		jw_obj_end(w);
	}
	jw_arr_end(w);

	jw_key(w, "tasks");
	jw_arr_begin(w);
	for (int i = 0; i < m->nr_tasks; i++)
		write_task(w, m->tasks[i]);
	jw_arr_end(w);

	jw_key(w, "invariants");
	jw_obj_begin(w);
	jw_kuint(w, "checked", m->inv_checked);
	jw_key(w, "violations");
	jw_arr_begin(w);
	for (int i = 0; i < m->nr_violations; i++)
		jw_str(w, m->violations[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	jw_obj_end(w);
}

#define SUMMARY_MAX_TASKS 24

static double ms(u64 ns)
{
	return (double)ns / 1e6;
}

static double us(u64 ns)
{
	return (double)ns / 1e3;
}

void machine_print_summary(struct machine *m, FILE *f)
{
	u64 now = m->sim.now ? m->sim.now : 1, done = 0, total = 0;
	int finished = 0, finite = 0;

	fprintf(f, "%-6s %-16s %-5s %11s %11s %8s %10s %10s %10s %8s\n", "pid", "comm", "class",
		"runtime_ms", "wait_ms", "wakeups", "lat_p50_us", "lat_p99_us", "lat_max_us", "work%");
	for (int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *p = m->tasks[i];
		const struct task_stats *st = &p->st;
		done += st->work_done_ns;
		if (st->work_total_ns >= 0) {
			finite++;
			total += st->work_total_ns;
			finished += st->finished;
		}
		if (i >= SUMMARY_MAX_TASKS)
			continue;
		char work[16];
		if (st->work_total_ns > 0)
			snprintf(work, sizeof(work), "%.1f", 100.0 * st->work_done_ns / st->work_total_ns);
		else
			snprintf(work, sizeof(work), "%s", st->work_total_ns < 0 ? "open" : "-");
		fprintf(f, "%-6d %-16s %-5s %11.3f %11.3f %8llu %10.1f %10.1f %10.1f %8s\n", p->pid,
			p->comm, task_class_name(p), ms(st->runtime_ns), ms(st->wait_ns),
			(unsigned long long)st->nr_wakeups, us(hist_percentile(st->wake_lat, 50)),
			us(hist_percentile(st->wake_lat, 99)), us(hist_max(st->wake_lat)), work);
	}
	if (m->nr_tasks > SUMMARY_MAX_TASKS)
		fprintf(f, "... %d more tasks (see --json)\n", m->nr_tasks - SUMMARY_MAX_TASKS);
	fprintf(f, "\nsimulated %.3f ms on %d CPUs (%s), %llu events\n", ms(m->sim.now), m->nr_cpus,
		m->topo->spec, (unsigned long long)m->sim.nr_events);
	fprintf(f, "context switches %llu (%.0f/s), migrations %llu, idle %.1f%%\n",
		(unsigned long long)total_switches(m), total_switches(m) * 1e9 / now,
		(unsigned long long)m->nr_migrations,
		100.0 * total_idle(m) / ((double)now * m->nr_cpus));
	fprintf(f, "wakeup latency p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n",
		us(hist_percentile(m->wake_lat, 50)), us(hist_percentile(m->wake_lat, 99)),
		us(hist_percentile(m->wake_lat, 99.9)), us(hist_max(m->wake_lat)));
	fprintf(f, "work done %.3f ms; finite tasks finished %d of %d\n", ms(done), finished, finite);
	if (m->scx) {
		const struct scx_exit_info *ei = machine_scx_exit_info(m);
		if (ei->kind == SCX_EXIT_NONE)
			fprintf(f, "ext scheduler '%s': still loaded at the end\n", scx_ops_name(m));
		else
			fprintf(f, "ext scheduler '%s': exited at %.3f ms, %s (%s): %s\n", scx_ops_name(m),
				ms(scx_exit_at_ns(m)), scx_exit_kind_name(ei->kind), ei->reason, ei->msg);
	}
	fprintf(f, "invariants: %llu checked, %d violations\n", (unsigned long long)m->inv_checked,
		m->nr_violations);
	for (int i = 0; i < m->nr_violations && i < 10; i++)
		fprintf(f, "  violation: %s\n", m->violations[i]);
}

static double jain(const double *x, int n)
{
	double sum = 0, sq = 0;

	for (int i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return n && sq > 0 ? sum * sum / (n * sq) : 1.0;
}

void machine_metrics(struct machine *m, struct run_metrics *out)
{
	double *x = calloc(m->nr_tasks + m->nr_tgs + 1, sizeof(*x));
	u64 *cg_run = calloc(m->nr_tgs + 1, sizeof(*cg_run));
	int n = 0;

	*out = (struct run_metrics){ 0 };
	for (int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *p = m->tasks[i];
		u64 busy = p->st.runtime_ns + p->st.wait_ns;
		out->work_done_ns += p->st.work_done_ns;
		out->wait_ns += p->st.wait_ns;
		if (p->st.work_total_ns >= 0) {
			out->tasks_finite++;
			out->tasks_finished += p->st.finished;
		}
		if (x && busy)
			x[n++] = (double)p->st.runtime_ns / busy / (double)(p->se.weight >> 10);
		if (cg_run)
			cg_run[p->tg->id] += p->st.runtime_ns;
	}
	out->jain_tasks = x ? jain(x, n) : 0;
	n = 0;
	for (int i = 0; x && cg_run && i < m->nr_tgs; i++)
		if (m->tgs[i]->nr_tasks && cg_run[i])
			x[n++] = (double)cg_run[i] / m->tgs[i]->cpu_weight;
	out->jain_cgroups = x && n >= 2 ? jain(x, n) : 1.0;
	out->lat_p50 = hist_percentile(m->wake_lat, 50);
	out->lat_p99 = hist_percentile(m->wake_lat, 99);
	out->lat_p999 = hist_percentile(m->wake_lat, 99.9);
	out->lat_max = hist_max(m->wake_lat);
	out->ctx_switches = total_switches(m);
	out->migrations = m->nr_migrations;
	out->idle_pct = m->sim.now ? 100.0 * total_idle(m) / ((double)m->sim.now * m->nr_cpus) : 0;
	out->exit_kind = scx_exit_kind_name(machine_scx_exit_info(m)->kind);
	free(x);
	free(cg_run);
}
