/*
 * result.c — a rec_result as scxsim's result JSON (design.md "Result JSON"), so that `scxsim
 * diff` and any other consumer read the real kernel and the simulator the same way.
 *
 * Mapping of the simulator's keys to what a recording measures:
 *   scheduler  {"name": "real", exit kind "none"}      machine {"nr_cpus", "topo": "host"}
 *   sim        duration_ns = wall_ns = the window; events = trace events; seed 0
 *   totals     switches with a recorded task on either side, its migrations, all CPUs' idle
 *              time in the window, wakeup latency over every recorded task
 *   tasks      per recorded task, in fork order; class from the kernel prio; work_done_ns is
 *              the runtime; work_total_ns null (a real program's work is not known in advance)
 *   record     what only a recording has: root pid, command, noise, reconstructed switches,
 *              lost events — so a reader can judge how much to trust the figures.
 * Output order is fixed (fork order, then the keys below), so a trace gives the same bytes.
 */
#include <stdlib.h>
#include <string.h>
#include "scxsim/json_write.h"
#include "record/record_int.h"

static int cmp_u64(const void *x, const void *y)
{
	u64 a = *(const u64 *)x, b = *(const u64 *)y;

	return a < b ? -1 : a > b;
}

static const char *task_class(const struct rec_task *k)
{
	return k->prio >= 0 && k->prio < 100 ? "rt" : "fair";
}

static void write_task_lat(struct jw *w, const struct rec_task *k)
{
	u64 *s = malloc(((size_t)k->nr_lat + 1) * sizeof(*s));
	u64 p50 = 0, p99 = 0, max = 0;

	if (s && k->nr_lat) {
		memcpy(s, k->lat, (size_t)k->nr_lat * sizeof(*s));
		qsort(s, (size_t)k->nr_lat, sizeof(*s), cmp_u64);
		p50 = rec_percentile(s, k->nr_lat, 500);
		p99 = rec_percentile(s, k->nr_lat, 990);
		max = s[k->nr_lat - 1];
	}
	free(s);
	jw_key(w, "wakeup_lat_ns");
	jw_obj_begin(w);
	jw_kuint(w, "p50", p50);
	jw_kuint(w, "p99", p99);
	jw_kuint(w, "max", max);
	jw_kuint(w, "n", (u64)k->nr_lat);
	jw_obj_end(w);
}

static void write_task(struct jw *w, const struct rec_result *r, const struct rec_task *k)
{
	jw_obj_begin(w);
	jw_kint(w, "pid", k->pid);
	jw_kstr(w, "comm", k->comm);
	jw_kstr(w, "replay_name", k->name);
	jw_kint(w, "ppid", k->ppid);
	jw_kstr(w, "cgroup", "/");
	jw_kstr(w, "class", task_class(k));
	jw_kint(w, "prio", k->prio);
	jw_kuint(w, "start_ns", k->fork_ns - r->start_ns);
	if (k->exited)
		jw_kuint(w, "exit_ns", k->exit_ns - MIN(r->start_ns, k->exit_ns));
	jw_kuint(w, "runtime_ns", k->runtime_ns);
	jw_kuint(w, "wait_ns", k->wait_ns);
	jw_kuint(w, "nr_wakeups", k->nr_wakeups);
	jw_kuint(w, "nr_wakeups_running", k->nr_wakeups_running);
	write_task_lat(w, k);
	jw_kuint(w, "migrations", k->nr_migrations);
	jw_kuint(w, "ctx_switches", k->nr_switch_in);
	jw_kuint(w, "preemptions", k->nr_preempted);
	jw_kuint(w, "work_done_ns", k->runtime_ns);
	jw_key(w, "work_total_ns");
	jw_null(w);
	jw_kbool(w, "finished", k->exited);
	jw_obj_end(w);
}

static void write_head(struct jw *w, const struct rec_result *r)
{
	jw_key(w, "scheduler");
	jw_obj_begin(w);
	jw_kstr(w, "name", "real");
	jw_key(w, "exit");
	jw_obj_begin(w);
	jw_kstr(w, "kind", "none");
	jw_kstr(w, "reason", "");
	jw_kstr(w, "msg", "");
	jw_kint(w, "at_ns", 0);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "machine");
	jw_obj_begin(w);
	jw_kint(w, "nr_cpus", r->nr_cpus);
	jw_kstr(w, "topo", "host");
	jw_obj_end(w);
	jw_key(w, "sim");
	jw_obj_begin(w);
	jw_kint(w, "seed", 0);
	jw_kuint(w, "duration_ns", r->end_ns - r->start_ns);
	jw_kuint(w, "events", r->nr_events);
	jw_kuint(w, "wall_ns", r->end_ns - r->start_ns);
	jw_obj_end(w);
}

static void write_totals(struct jw *w, const struct rec_result *r)
{
	jw_key(w, "totals");
	jw_obj_begin(w);
	jw_kuint(w, "ctx_switches", r->ctx_switches);
	jw_kuint(w, "migrations", r->migrations);
	jw_kuint(w, "idle_ns", r->idle_ns);
	jw_key(w, "wakeup_lat_ns");
	jw_obj_begin(w);
	jw_kuint(w, "p50", r->lat.p50);
	jw_kuint(w, "p99", r->lat.p99);
	jw_kuint(w, "p999", r->lat.p999);
	jw_kuint(w, "max", r->lat.max);
	jw_kuint(w, "n", r->lat.n);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void write_record(struct jw *w, const struct rec_result *r, const struct rec_extra *x)
{
	jw_key(w, "record");
	jw_obj_begin(w);
	jw_kstr(w, "source", r->source);
	jw_kstr(w, "command", r->command);
	jw_kint(w, "root_pid", r->root_pid);
	jw_kuint(w, "events", r->nr_events);
	jw_kuint(w, "tree_events", r->tree_events);
	jw_kuint(w, "noise_events", r->noise_events);
	jw_kuint(w, "noise_tasks", r->noise_tasks);
	jw_kuint(w, "noise_runtime_ns", r->noise_runtime_ns);
	jw_kuint(w, "reconstructed_switches", r->reconstructed);
	jw_kuint(w, "reconstruct_delay_ns", r->recon_delay_ns);
	jw_kuint(w, "reconstruct_samples", r->recon_samples);
	jw_kuint(w, "reconstructed_other", r->recon_other);
	jw_kuint(w, "malformed_lines", r->malformed_lines);
	jw_kuint(w, "lost_events", r->lost_events);
	jw_kuint(w, "overruns", r->overruns);
	jw_kuint(w, "dropped", r->dropped);
	jw_kbool(w, "late_start", r->late_start);
	if (x) {
		jw_kuint(w, "noise_preemptions", x->noise_preemptions);
		jw_kuint(w, "replay_switch_cost_ns", x->costs.switch_ns);
		jw_kuint(w, "replay_migration_cost_ns", x->costs.migration_ns);
	}
	jw_obj_end(w);
}

void rec_result_write_json(const struct rec_result *r, FILE *f)
{
	rec_result_write_json_extra(r, NULL, f);
}

void rec_result_write_json_extra(const struct rec_result *r, const struct rec_extra *x, FILE *f)
{
	struct jw w;

	jw_init(&w, f, false);
	jw_obj_begin(&w);
	write_head(&w, r);
	write_totals(&w, r);
	jw_key(&w, "tasks");
	jw_arr_begin(&w);
	for (int i = 0; i < r->nr_tasks; i++)
		write_task(&w, r, &r->tasks[i]);
	jw_arr_end(&w);
	jw_key(&w, "invariants");
	jw_obj_begin(&w);
	jw_kint(&w, "checked", 0);
	jw_key(&w, "violations");
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	write_record(&w, r, x);
	jw_obj_end(&w);
}
